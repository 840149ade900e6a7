// What the kernel would refuse (or silently ignore) at apply time, caught by the spec
// checks before anything is touched: names it reserves, addresses a device cannot
// have, and macvlans that cannot share a passthru parent. Each problem is one line at
// its own pointer, and every one is listed.
#include <doctest/doctest.h>
#include <net/if.h>

#include <nlohmann/json.hpp>

#include "netns/config_check.hpp"
#include "netns/link.hpp"
#include "netspec/network_spec.hpp"
#include "oci_test_util.hpp"

using namespace mr::netspec;
using namespace mr;
using namespace mr::netns;
using nlohmann::json;
using mr::test::messages;

namespace {

std::vector<std::string> problems_of(const json& doc) {
  auto c = netspec::check_network_spec(doc.dump(), "net.json");
  std::vector<std::string> out;
  for (const auto& e : c.problems) out.push_back(e.message());
  return out;
}

json one_veth(json device) {
  device["name"] = device.value("name", "eth0");
  if (!device.contains("macvlan") && !device.contains("move")) device["veth"] = {{"bridge", "br0"}};
  return {{"version", 1}, {"devices", {device}}};
}

}  // namespace

TEST_CASE("the names the kernel reserves, all and default, are refused wherever a device is named") {
  // /proc/sys/net/*/conf/{all,default}: the kernel's EINVAL for a new link or a rename.
  CHECK(problems_of(one_veth({{"name", "all"}})) ==
        std::vector<std::string>{"net.json:/devices/0/name: interface name \"all\" is reserved (it names "
                                 "/proc/sys/net/*/conf/all)"});
  auto doc = json::parse(R"({"version": 1, "devices": [
      {"name": "default", "move": "nic0"},
      {"name": "eth1", "veth": {"hostName": "all", "bridge": "default"}},
      {"name": "eth2", "macvlan": {"parent": "all"}}],
    "routes": [{"to": "10.0.0.0/8", "device": "default"}]})");
  CHECK(problems_of(doc) == std::vector<std::string>{
      "net.json:/devices/0/name: interface name \"default\" is reserved (it names /proc/sys/net/*/conf/default)",
      "net.json:/devices/1/veth/hostName: interface name \"all\" is reserved (it names /proc/sys/net/*/conf/all)",
      "net.json:/devices/1/veth/bridge: interface name \"default\" is reserved (it names /proc/sys/net/*/conf/default)",
      "net.json:/devices/2/macvlan/parent: interface name \"all\" is reserved (it names /proc/sys/net/*/conf/all)",
      "net.json:/routes/0/device: interface name \"default\" is reserved (it names /proc/sys/net/*/conf/default)",
  });
  // Only the exact names: the kernel takes "ALL" and "defaults".
  CHECK(problems_of(one_veth({{"name", "ALL"}})).empty());
  CHECK(problems_of(one_veth({{"name", "defaults"}})).empty());
  // The kernel's other refusals (dev_valid_name()) stay refused, each at its pointer.
  for (const char* name : {".", "..", "a:b", "a/b"}) {
    CAPTURE(name);
    auto got = problems_of(one_veth({{"name", name}}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].starts_with("net.json:/devices/0/name: interface name \"" + std::string(name) + "\""));
  }
}

TEST_CASE("addresses a device cannot have are refused at their pointers, all listed") {
  auto doc = json::parse(R"({"version": 1, "devices": [
      {"name": "eth0", "veth": {"bridge": "br0", "hostAddresses": ["0.0.0.0/0"]},
       "addresses": ["::/0", "10.0.0.5/0", "ff02::5/64", "::1/128", "2001:db8::1/0"]}]})");
  CHECK(problems_of(doc) == std::vector<std::string>{
      "net.json:/devices/0/addresses/0: address ::/0: the unspecified address :: is not an address a device can have",
      "net.json:/devices/0/addresses/1: address 10.0.0.5/0: prefix length 0 would make every destination a "
      "neighbour on this link (for a default route write a route with \"to\": \"default\")",
      "net.json:/devices/0/addresses/2: address ff02::5/64: a multicast address is not an address a device can have",
      "net.json:/devices/0/addresses/3: address ::1/128: ::1 belongs to lo, the kernel refuses it on another device",
      "net.json:/devices/0/addresses/4: address 2001:db8::1/0: prefix length 0 would make every destination a "
      "neighbour on this link (for a default route write a route with \"to\": \"default\")",
      "net.json:/devices/0/veth/hostAddresses/0: address 0.0.0.0/0: the unspecified address 0.0.0.0 is not an "
      "address a device can have",
  });
  // inet_insert_ifa() drops 0.0.0.0 whatever its prefix length, and reports success.
  CHECK(problems_of(one_veth({{"addresses", {"0.0.0.0/24"}}})) ==
        std::vector<std::string>{"net.json:/devices/0/addresses/0: address 0.0.0.0/24: the unspecified address "
                                 "0.0.0.0 is not an address a device can have"});
  // What is left is an address of each family the kernel takes.
  CHECK(problems_of(one_veth({{"addresses", {"10.0.0.5/8", "2001:db8::1/1", "::ffff:10.0.0.1/96"}}})).empty());
}

TEST_CASE("apply's own check refuses the same addresses, at the device's origin") {
  NetConfig cfg;
  DeviceConfig d{.name = "eth0", .kind = VethDevice{.host_name = "vh0"}, .origin = "net.json#/devices/3"};
  d.addresses = {*IpPrefix::parse("::/0")};
  cfg.devices.push_back(d);
  auto r = check_config(cfg, "c1");
  REQUIRE_FALSE(r);
  CHECK(r.error().file == "net.json");
  CHECK(r.error().pointer == "/devices/3");
  CHECK(r.error().message() == "net.json:/devices/3: device eth0: address ::/0: the unspecified address :: is not "
                               "an address a device can have: Invalid argument");
}

TEST_CASE("a passthru macvlan must be its parent's only macvlan") {
  // macvlan_common_newlink(): EINVAL for a passthru on a parent that has a macvlan, and
  // for any macvlan on a parent that has a passthru one.
  auto doc = json::parse(R"({"version": 1, "devices": [
      {"name": "m0", "macvlan": {"parent": "nic0", "mode": "passthru"}},
      {"name": "m1", "macvlan": {"parent": "nic0", "mode": "passthru"}},
      {"name": "m2", "macvlan": {"parent": "nic1"}},
      {"name": "m3", "macvlan": {"parent": "nic1", "mode": "passthru"}},
      {"name": "m4", "macvlan": {"parent": "nic0", "mode": "bridge"}},
      {"name": "m5", "macvlan": {"parent": "nic2", "mode": "passthru"}},
      {"name": "m6", "macvlan": {"parent": "nic3"}},
      {"name": "m7", "macvlan": {"parent": "nic3", "mode": "vepa"}}]})");
  CHECK(problems_of(doc) == std::vector<std::string>{
      "net.json:/devices/1/macvlan/mode: host device \"nic0\" has a macvlan already (at net.json:/devices/0); a "
      "passthru macvlan must be its parent's only one",
      "net.json:/devices/3/macvlan/mode: host device \"nic1\" has a macvlan already (at net.json:/devices/2); a "
      "passthru macvlan must be its parent's only one",
      "net.json:/devices/4/macvlan/parent: host device \"nic0\" has a passthru macvlan already (at "
      "net.json:/devices/0); a passthru macvlan must be its parent's only one",
  });
}

TEST_CASE("a device the kernel reports netns-immutable, or of a kind it keeps, cannot be moved") {
  LinkInfo veth{.index = 2, .name = "nic0", .kind = "veth"};
  CHECK_FALSE(is_netns_immutable(veth));
  for (const char* kind : {"bridge", "bond", "team", "vrf", "openvswitch"}) {
    CAPTURE(kind);
    CHECK(is_netns_immutable(LinkInfo{.index = 3, .name = "x", .kind = kind}));
  }
  CHECK(is_netns_immutable(LinkInfo{.index = 1, .name = "lo", .flags = IFF_LOOPBACK}));
  // What the kernel says wins over the kind (Linux 6.15 reports IFLA_NETNS_IMMUTABLE).
  LinkInfo said_so = veth;
  said_so.netns_immutable = true;
  CHECK(is_netns_immutable(said_so));
  LinkInfo bridge{.index = 3, .name = "br0", .kind = "bridge"};
  bridge.netns_immutable = false;
  CHECK_FALSE(is_netns_immutable(bridge));
}
