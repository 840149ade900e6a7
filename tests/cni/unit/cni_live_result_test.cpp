// The result read off a container's live network (cni/live_result.hpp) and what CHECK
// says differs from the recorded one: built from views made here, without a kernel.
#include <doctest/doctest.h>

#include <linux/rtnetlink.h>

#include "cni/live_result.hpp"

using namespace mr;
using namespace mr::cni;

namespace {

netns::IpPrefix prefix(const char* t) { return *netns::IpPrefix::parse(t); }
netns::IpAddress address(const char* t) { return *netns::IpAddress::parse(t); }

netns::AddressInfo addr(int index, const char* p, uint8_t scope = RT_SCOPE_UNIVERSE) {
  return {.index = index, .prefix = prefix(p), .scope = scope};
}

// lo, and eth0 (index 5) on network "web" with both families' addresses, the kernel's
// fe80:: one, and a default route through it; eth1 of the workload's own.
netns::ContainerNetworkView view() {
  netns::ContainerNetworkView v;
  netns::ShownLink lo{.link = {.index = 1, .name = "lo", .mtu = 65536}};
  lo.addresses = {addr(1, "127.0.0.1/8", RT_SCOPE_HOST)};
  netns::ShownLink eth0{.link = {.index = 5, .name = "eth0", .mtu = 1500, .mac = *netns::MacAddress::parse("02:00:00:00:00:05")}};
  eth0.addresses = {addr(5, "10.89.1.2/24"), addr(5, "fd00:1::2/64"), addr(5, "fe80::1/64", RT_SCOPE_LINK)};
  eth0.origin = {.source = netns::LinkSource::network, .host_name = "mr0000abcd-0", .network = "web"};
  netns::ShownLink eth1{.link = {.index = 6, .name = "eth1", .mtu = 1500}};
  eth1.addresses = {addr(6, "192.0.2.2/24")};
  v.links = {lo, eth0, eth1};
  v.routes = {{.destination = prefix("0.0.0.0/0"), .gateway = address("10.89.1.1"), .oif = 5},
              {.destination = prefix("10.89.1.0/24"), .oif = 5, .protocol = RTPROT_KERNEL},
              {.destination = prefix("0.0.0.0/0"), .gateway = address("192.0.2.1"), .oif = 6, .metric = 10}};
  return v;
}

const std::vector<netns::PoolSubnet> kSubnets = {{prefix("10.89.1.0/24"), address("10.89.1.1"), std::nullopt},
                                                 {prefix("fd00:1::/64"), address("fd00:1::1"), std::nullopt}};

}  // namespace

TEST_CASE("cni live result: the network's device, its global addresses with gateways, the routes made through it") {
  AddResult r = live_result(view(), "eth0", "/run/netns/c1", kSubnets, true);
  REQUIRE(r.interfaces.size() == 2);
  CHECK(r.interfaces[0] == ResultInterface{.name = "mr0000abcd-0"});
  CHECK(r.interfaces[1] == ResultInterface{.name = "eth0", .mac = *netns::MacAddress::parse("02:00:00:00:00:05"),
                                           .mtu = 1500, .sandbox = "/run/netns/c1"});
  CHECK(r.ips == std::vector<ResultIp>{{prefix("10.89.1.2/24"), address("10.89.1.1"), 1},
                                       {prefix("fd00:1::2/64"), address("fd00:1::1"), 1}});
  CHECK(r.routes == std::vector<ResultRoute>{{prefix("0.0.0.0/0"), address("10.89.1.1")}});
  CHECK(r.dns.nameservers == std::vector<std::string>{"10.89.1.1", "fd00:1::1"});
  CHECK(live_result(view(), "eth0", "/run/netns/c1", kSubnets, false).dns.nameservers.empty());
}

TEST_CASE("cni live result: a moved device or a macvlan is the one interface, with its routes but the kernel's") {
  for (auto source : {netns::LinkSource::moved, netns::LinkSource::macvlan}) {
    auto v = view();
    v.links[1].origin = {.source = source, .host_name = "nic0"};
    v.routes.push_back({.destination = prefix("10.78.0.0/16"), .gateway = address("10.89.1.254"), .oif = 5});
    AddResult r = live_result(v, "eth0", "/run/netns/c1", {}, false);
    CHECK(r.interfaces == std::vector<ResultInterface>{{.name = "eth0", .mac = *netns::MacAddress::parse("02:00:00:00:00:05"),
                                                        .mtu = 1500, .sandbox = "/run/netns/c1"}});
    CHECK(r.ips == std::vector<ResultIp>{{prefix("10.89.1.2/24"), std::nullopt, 0}, {prefix("fd00:1::2/64"), std::nullopt, 0}});
    CHECK(r.routes == std::vector<ResultRoute>{{prefix("0.0.0.0/0"), address("10.89.1.1")},
                                               {prefix("10.78.0.0/16"), address("10.89.1.254")}});
    // A delegated IPAM plugin's gateways and DNS, which the kernel does not hold.
    AddResult ipam;
    ipam.ips = {{prefix("10.89.1.2/24"), address("10.89.1.1"), std::nullopt}};
    ipam.dns.nameservers = {"10.89.1.53"};
    add_ipam_details(r, ipam);
    CHECK(r.ips[0].gateway == address("10.89.1.1"));
    CHECK_FALSE(r.ips[1].gateway);
    CHECK(r.dns.nameservers == std::vector<std::string>{"10.89.1.53"});
  }
}

TEST_CASE("cni live result: a link of that name the network did not make is not the attachment") {
  CHECK(live_result(view(), "eth1", "/run/netns/c1", kSubnets, false).interfaces.empty());
  CHECK(live_result(view(), "eth9", "/run/netns/c1", kSubnets, false).interfaces.empty());
}

TEST_CASE("cni check: nothing differs from itself, and each change is named") {
  const AddResult recorded = live_result(view(), "eth0", "/run/netns/c1", kSubnets, true);
  CHECK(differences(recorded, live_result(view(), "eth0", "/run/netns/c1", {}, false), "eth0").empty());

  auto changed = view();
  changed.links[1].link.mac = *netns::MacAddress::parse("02:00:00:00:00:99");
  changed.links[1].link.mtu = 1400;
  changed.links[1].addresses.erase(changed.links[1].addresses.begin());
  changed.links[1].addresses.push_back(addr(5, "10.89.1.77/24"));
  changed.routes.erase(changed.routes.begin());
  changed.routes.push_back({.destination = prefix("::/0"), .gateway = address("fd00:1::1"), .oif = 5});
  CHECK(differences(recorded, live_result(changed, "eth0", "/run/netns/c1", {}, false), "eth0") ==
        std::vector<std::string>{"eth0: MAC address 02:00:00:00:00:99, was 02:00:00:00:00:05", "eth0: MTU 1400, was 1500",
                                 "eth0: address 10.89.1.2/24 is missing",
                                 "eth0: address 10.89.1.77/24 was not given by ADD",
                                 "eth0: route to 0.0.0.0/0 via 10.89.1.1 is missing"});

  auto gone = view();
  gone.links.erase(gone.links.begin() + 1);
  CHECK(differences(recorded, live_result(gone, "eth0", "/run/netns/c1", {}, false), "eth0") ==
        std::vector<std::string>{"eth0: not in the namespace (or not the device ADD made)"});
}

TEST_CASE("cni check: the addresses prevResult gives the interface must be live") {
  const AddResult live = live_result(view(), "eth0", "/run/netns/c1", {}, false);
  AddResult prev = live_result(view(), "eth0", "/run/netns/c1", kSubnets, true);
  CHECK(missing_from_prev_result(prev, live, "eth0").empty());
  prev.ips.push_back({prefix("10.89.1.9/24"), std::nullopt, 1});
  prev.ips.push_back({prefix("10.89.1.10/24"), std::nullopt, 0});  // the host end's, not the pod's
  CHECK(missing_from_prev_result(prev, live, "eth0") ==
        std::vector<std::string>{"eth0: address 10.89.1.9/24 of prevResult is missing"});
  AddResult other;
  other.interfaces = {{.name = "eth1", .sandbox = "/run/netns/c1"}};
  CHECK(missing_from_prev_result(other, live, "eth0") == std::vector<std::string>{"eth0: not in prevResult"});
}

TEST_CASE("cni check: the MAC and MTU a later plugin of the chain gave, as prevResult says, are the ones to find") {
  const AddResult recorded = live_result(view(), "eth0", "/run/netns/c1", kSubnets, false);
  auto tuned_view = view();
  tuned_view.links[1].link.mac = *netns::MacAddress::parse("02:00:00:00:00:42");
  tuned_view.links[1].link.mtu = 1400;
  const AddResult live = live_result(tuned_view, "eth0", "/run/netns/c1", {}, false);
  CHECK(differences(recorded, live, "eth0") ==
        std::vector<std::string>{"eth0: MAC address 02:00:00:00:00:42, was 02:00:00:00:00:05", "eth0: MTU 1400, was 1500"});
  // tuning's result in 1.1.0: its MAC and MTU, which are found; another MTU is not.
  AddResult prev = recorded;
  prev.interfaces[1].mac = *netns::MacAddress::parse("02:00:00:00:00:42");
  prev.interfaces[1].mtu = 1400;
  CHECK(differences(with_chain_changes(recorded, prev, "eth0"), live, "eth0").empty());
  prev.interfaces[1].mtu = 9000;
  CHECK(differences(with_chain_changes(recorded, prev, "eth0"), live, "eth0") ==
        std::vector<std::string>{"eth0: MTU 1400, was 9000"});
  // In 1.0.0 a result has no MTU: the chain's is not known, and not compared. A result
  // without a MAC leaves ours to be found.
  prev.interfaces[1].mtu = 0;
  CHECK(differences(with_chain_changes(recorded, prev, "eth0"), live, "eth0").empty());
  prev.interfaces[1].mac.reset();
  CHECK(differences(with_chain_changes(recorded, prev, "eth0"), live, "eth0") ==
        std::vector<std::string>{"eth0: MAC address 02:00:00:00:00:42, was 02:00:00:00:00:05"});
  // A prevResult without the interface changes nothing (missing_from_prev_result names it).
  AddResult other;
  other.interfaces = {{.name = "eth1", .mac = *netns::MacAddress::parse("02:00:00:00:00:42"), .sandbox = "/run/netns/c1"}};
  CHECK(with_chain_changes(recorded, other, "eth0") == recorded);
}
