// attach_device / detach_device on a running container (the 2006 netns RFC: the
// administrator makes a device visible to an already-unshared container at any time),
// and teardown giving an attached device back like one of the original spec.
#include <doctest/doctest.h>

#include <linux/if_link.h>

#include <optional>

#include "support/apply_helpers.hpp"
#include "netns/attach.hpp"
#include "netns/config_check.hpp"
#include "netns/container_network.hpp"
#include "netns/detach.hpp"
#include "netns/inspect.hpp"
#include "support/udp.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

const ShownLink* shown(const ContainerNetworkView& view, const std::string& name) {
  for (const auto& l : view.links)
    if (l.link.name == name) return &l;
  return nullptr;
}

// A sandbox host with a stand-in NIC "nic0" (address 198.51.100.1/24) whose wire ends in
// a peer namespace at 10.0.0.2/24 and fd00::2/64, a second NIC "nic1" and a bridge; a
// directory for a container's network; the calling thread in the sandbox host, as the
// runtime runs in the host's namespace.
struct AttachHost {
  Sandbox sb;
  Space& host = sb.host();
  Space peer = sb.child();
  TempDir dir;
  ContainerNetworkDir where{dir.path()};
  std::string before;  // host_state() of the host as prepared
  std::optional<NetnsGuard> in_host;

  AttachHost() {
    auto wire = sb.veth_into(peer, "nic0", "wire0");
    MUST(add_address(host.nl, host.link("nic0").index, prefix("198.51.100.1/24")));
    MUST(add_address(peer.nl, wire.index, prefix("10.0.0.2/24")));
    MUST(add_address(peer.nl, wire.index, prefix("fd00::2/64"), {.no_dad = true}));
    sb.veth("nic1", "wire1");
    sb.bridge("br0");
    before = host_state(host);
    in_host.emplace(MUST(enter(host.ns)));
  }
};

DeviceConfig move_nic0() {
  return {.name = "eth0", .kind = MoveDevice{.host_name = "nic0"},
          .addresses = {prefix("10.0.0.1/24"), prefix("fd00::1/64")}, .origin = "attach"};
}

}  // namespace

TEST_CASE("a device attached to a container started without network carries traffic, then detaches as it was") {
  AttachHost h;
  auto ctr = h.sb.child();
  MUST(setup_container_network(NetConfig{}, ctr.ns, h.where, {.container_id = "ctr1"}));
  std::string ctr_before = host_state(ctr);

  auto applied = MUST(attach_device(h.where, move_nic0(), {.container_id = "ctr1"}));
  CHECK(applied.name == "eth0");
  CHECK(applied.host_name == "nic0");
  check_nic0_attached_as_eth0(h.host, ctr, h.peer, applied.index);

  auto view = MUST(show_container_network(h.where));
  const ShownLink* l = shown(view, "eth0");
  REQUIRE(l);
  CHECK(l->origin.source == LinkSource::moved);
  CHECK(l->origin.host_name == "nic0");
  REQUIRE(shown(view, "lo"));
  CHECK(shown(view, "lo")->origin.source == LinkSource::container);

  auto detached = MUST(detach_device(h.where, "eth0"));
  CHECK(detached.host_name == "nic0");
  CHECK_FALSE(detached.fallback);
  CHECK(settled_host_state(h.host, h.before) == h.before);  // name, MTU, MAC, up, its address
  CHECK(settled_host_state(ctr, ctr_before) == ctr_before);

  // Detached means done: teardown has nothing to give back, and a second detach is refused.
  auto again = detach_device(h.where, "eth0");
  REQUIRE_FALSE(again);
  CHECK(again.error().err == ENODEV);
  auto report = MUST(teardown_container_network(h.where));
  CHECK(report.returned.empty());
  CHECK(settled_host_state(h.host, h.before) == h.before);
}

TEST_CASE("attached devices of every kind come home at teardown without a detach") {
  AttachHost h;
  {
    auto ctr = h.sb.child();
    NetConfig start;
    start.devices.push_back({.name = "eth9", .kind = VethDevice{.host_name = "vh-start", .bridge = "br0"},
                             .addresses = {prefix("10.88.0.9/16")}, .origin = "/devices/0"});
    MUST(setup_container_network(start, ctr.ns, h.where, {.container_id = "ctr1"}));
    MUST(attach_device(h.where, move_nic0(), {.container_id = "ctr1"}));
    MUST(attach_device(h.where, {.name = "mv0", .kind = MacvlanDevice{.parent = "nic1", .mode = MacvlanMode::vepa},
                               .addresses = {prefix("10.3.0.2/24")}, .mac = mac("02:00:00:00:aa:03")},
                       {.container_id = "ctr1"}));
    // No host name: derived from the container id at a position the start did not use.
    auto veth = MUST(attach_device(h.where, {.name = "veth1", .kind = VethDevice{.bridge = "br0"}, .mtu = 1400},
                                   {.container_id = "ctr1"}));
    CHECK(veth.host_name != derived_veth_name("ctr1", 0));
    CHECK(h.host.link(veth.host_name).master == h.host.link("br0").index);
    CHECK(ctr.link("veth1").mtu == 1400);

    auto view = MUST(show_container_network(h.where));
    const ShownLink* mv0 = shown(view, "mv0");
    REQUIRE(mv0);
    CHECK(mv0->origin.source == LinkSource::macvlan);
    CHECK(mv0->origin.host_name == "nic1");
    CHECK(mv0->link.macvlan_mode == MACVLAN_MODE_VEPA);
    const ShownLink* veth1 = shown(view, "veth1");
    REQUIRE(veth1);
    CHECK(veth1->origin.source == LinkSource::veth);
    CHECK(veth1->origin.host_name == veth.host_name);
    CHECK(veth1->origin.bridge == "br0");
    const ShownLink* eth9 = shown(view, "eth9");
    REQUIRE(eth9);
    CHECK(eth9->origin.host_name == "vh-start");
    CHECK(host_state(h.host) != h.before);
  }  // only the pin keeps the container's namespace now
  auto report = MUST(teardown_container_network(h.where));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
  CHECK(settled_host_state(h.host, h.before) == h.before);  // nic0 home as it was; the veths gone
}

TEST_CASE("a detached veth and macvlan are deleted, the container's other devices stay") {
  AttachHost h;
  auto ctr = h.sb.child();
  NetConfig start;
  start.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0"}, .origin = "/devices/0"});
  MUST(setup_container_network(start, ctr.ns, h.where, {.container_id = "ctr1"}));
  std::string with_eth0 = host_state(h.host);
  std::string ctr_before = host_state(ctr);
  MUST(attach_device(h.where, {.name = "mv0", .kind = MacvlanDevice{.parent = "nic1"}}, {}));
  MUST(attach_device(h.where, {.name = "v0", .kind = VethDevice{.host_name = "vh-v0", .bridge = "br0"},
                             .addresses = {prefix("10.4.0.2/24")}},
                     {}));
  CHECK(h.host.has_link("vh-v0"));
  auto gone = MUST(detach_device(h.where, "v0"));
  CHECK(gone.host_name.empty());
  MUST(detach_device(h.where, "mv0"));
  CHECK(settled_host_state(h.host, with_eth0) == with_eth0);
  CHECK(settled_host_state(ctr, ctr_before) == ctr_before);  // eth0 is still inside
  CHECK(ctr.has_link("eth0"));
  // The device of the original spec still goes home at teardown.
  auto report = MUST(teardown_container_network(h.where));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
}

TEST_CASE("a device renamed by the workload is still detached by its new name") {
  AttachHost h;
  auto ctr = h.sb.child();
  MUST(setup_container_network(NetConfig{}, ctr.ns, h.where, {}));
  MUST(attach_device(h.where, move_nic0(), {}));
  auto eth0 = ctr.link("eth0");
  MUST(set_link_up(ctr.nl, eth0.index, false));
  MUST(rename_link(ctr.nl, eth0.index, "wan0"));
  CHECK_FALSE(detach_device(h.where, "eth0"));  // the name it had is no device now
  MUST(detach_device(h.where, "wan0"));
  CHECK(settled_host_state(h.host, h.before) == h.before);
}

TEST_CASE("a device attached with keepAddresses carries the host's addresses in and back") {
  AttachHost h;
  auto ctr = h.sb.child();
  MUST(setup_container_network(NetConfig{}, ctr.ns, h.where, {}));
  auto nic0_index = h.host.link("nic0").index;
  DeviceConfig d = move_nic0();
  d.name = "uplink";
  d.kind = MoveDevice{.host_name = "nic0", .keep_addresses = KeepAddresses::all};
  MUST(attach_device(h.where, d, {}));
  auto inside = ctr.addresses(ctr.link("uplink").index);
  CHECK(contains(inside, "198.51.100.1/24"));  // the host's, kept
  CHECK(contains(inside, "10.0.0.1/24"));      // and the requested ones
  CHECK(ctr.link("uplink").index == nic0_index);  // its identity across the move
  MUST(detach_device(h.where, "uplink"));
  CHECK(settled_host_state(h.host, h.before) == h.before);
}
