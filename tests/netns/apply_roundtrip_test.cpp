#include <doctest/doctest.h>
#include <linux/if_link.h>

#include "support/apply_full_config.hpp"
#include "netns/config_check.hpp"
#include "netns/moved_link.hpp"
#include "netns/sysctl.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

const Route* find_route(const std::vector<Route>& routes, const std::string& text) {
  for (const auto& r : routes)
    if (to_string(r).starts_with(text)) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("apply builds the whole config and undo from a reloaded journal restores the host") {
  FullHost h;
  auto& host = h.sb.host();
  std::string before = host_state(host);
  int nic0_index = host.link("nic0").index;
  auto ctr = h.sb.child();
  TempDir dir;
  auto cfg = full_config();
  {
    auto journal = MUST(Journal::open(dir.file("net.journal")));
    auto t = targets(h.sb, ctr, "ctr-1");
    auto applied = MUST(apply(cfg, t, journal));
    REQUIRE(applied.devices.size() == 4);
    CHECK(applied.devices[0].name == "eth0");
    CHECK(applied.devices[3].host_name == derived_veth_name("ctr-1", 3));
    CHECK(journal.pending().size() == 4);
  }

  // The container holds what the config asked for.
  auto snap = ctr.snapshot();
  const LinkInfo* lo = snap.link("lo");
  const LinkInfo* eth0 = snap.link("eth0");
  const LinkInfo* eth1 = snap.link("eth1");
  const LinkInfo* mv0 = snap.link("mv0");
  const LinkInfo* veth0 = snap.link("veth0");
  REQUIRE(lo);
  REQUIRE(eth0);
  REQUIRE(eth1);
  REQUIRE(mv0);
  REQUIRE(veth0);
  CHECK(lo->up());
  CHECK(eth0->index == nic0_index);  // the host index is kept as its identity
  CHECK(eth0->mtu == 1450);
  CHECK(eth0->mac->to_string() == "02:00:00:00:aa:01");
  CHECK(eth0->up());
  CHECK(has_address(snap, eth0->index, "10.1.0.2/24"));
  CHECK(has_address(snap, eth0->index, "fd00:1::2/64"));
  CHECK_FALSE(has_address(snap, eth0->index, "192.0.2.10/24"));  // not kept
  CHECK(eth1->mtu == 1400);
  CHECK(has_address(snap, eth1->index, "203.0.113.20/24"));  // kept
  CHECK(mv0->kind == "macvlan");
  CHECK(mv0->macvlan_mode == MACVLAN_MODE_BRIDGE);
  CHECK(mv0->mac->to_string() == "02:00:00:00:aa:03");
  CHECK(mv0->up());
  CHECK(has_address(snap, mv0->index, "10.3.0.2/24"));
  CHECK(veth0->kind == "veth");
  CHECK(veth0->mtu == 1300);
  CHECK(veth0->up());
  CHECK(has_address(snap, veth0->index, "fd00:4::2/64"));
  auto v4 = snap.routes_of(AF_INET);
  auto v6 = snap.routes_of(AF_INET6);
  const Route* def4 = find_route(v4, "default via 10.1.0.1");
  REQUIRE(def4);
  CHECK(def4->oif == eth0->index);
  const Route* onlink_prefix = find_route(v4, "10.9.0.0/16");
  REQUIRE(onlink_prefix);
  CHECK(onlink_prefix->oif == eth1->index);
  CHECK_FALSE(onlink_prefix->gateway);
  const Route* def6 = find_route(v6, "default (IPv6) via fd00:4::1");
  REQUIRE(def6);
  CHECK(def6->oif == veth0->index);
  const Route* via_onlink = find_route(v4, "172.16.0.0/12 via 10.99.0.1");
  REQUIRE(via_onlink);
  CHECK(via_onlink->onlink);
  CHECK(via_onlink->metric == 50);
  CHECK(MUST(read_sysctl(ctr.ns, "net.ipv4.ip_forward")) == "1");
  CHECK(MUST(read_sysctl(host.ns, "net.ipv4.ip_forward")) == "0");

  // The host: the moved devices are gone, the veth's host end is up on br0.
  CHECK_FALSE(host.has_link("nic0"));
  CHECK_FALSE(host.has_link("nic1"));
  auto host_snap = host.snapshot();
  const LinkInfo* host_end = host_snap.link(derived_veth_name("ctr-1", 3));
  REQUIRE(host_end);
  CHECK(host_end->up());
  CHECK(host_end->master == host.link("br0").index);
  CHECK(host_end->mtu == 1300);
  CHECK(has_address(host_snap, host_end->index, "10.4.0.1/24"));

  // A different Journal object, read back from the file as `delete` would.
  auto reloaded = MUST(Journal::open(dir.file("net.journal")));
  CHECK(reloaded.pending().size() == 4);
  auto u = undo_targets(h.sb, &ctr);
  auto report = MUST(undo(reloaded, u));
  CHECK(report.returned.size() == 2);
  for (auto& r : report.returned) CHECK_FALSE(r.fallback);
  CHECK(reloaded.pending().empty());
  CHECK(settled_host_state(host, before) == before);
  CHECK(host.link("nic0").index == nic0_index);
  auto after = ctr.snapshot();
  CHECK(after.links.size() == 1);  // only lo is left in the container

  SUBCASE("undo again, from the same or a reloaded journal, changes nothing") {
    auto again = MUST(undo(reloaded, u));
    CHECK(again.returned.empty());
    auto third = MUST(Journal::open(dir.file("net.journal")));
    CHECK(third.pending().empty());
    auto more = MUST(undo(third, u));
    CHECK(more.returned.empty());
    CHECK(settled_host_state(host, before) == before);
  }
  SUBCASE("undo of a missing journal succeeds and changes nothing") {
    auto none = MUST(Journal::open(dir.file("no-such.journal")));
    auto r = MUST(undo(none, u));
    CHECK(r.returned.empty());
    CHECK(settled_host_state(host, before) == before);
    CHECK_FALSE(std::filesystem::exists(dir.file("no-such.journal")));
  }
}

TEST_CASE("a device whose host name was taken meanwhile comes back under the fallback name") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  auto ctr = sb.child();
  TempDir dir;
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0"}, .origin = "/devices/0"});
  auto journal = MUST(Journal::open(dir.file("j")));
  auto t = targets(sb, ctr);
  MUST(apply(cfg, t, journal));
  sb.veth("nic0", "squat0");  // someone takes the name while the device is lent
  auto u = undo_targets(sb, &ctr);
  auto report = MUST(undo(journal, u));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].fallback);
  CHECK(report.returned[0].host_name == "nic0");
  ReturnLink probe;
  probe.host_index = nic.index;
  CHECK(report.returned[0].name == fallback_name(probe));
  auto back = sb.host().link(fallback_name(probe));
  CHECK(back.mac == nic.mac);
  CHECK(back.up());
  CHECK(has_address(sb.host().snapshot(), back.index, "192.0.2.10/24"));
  CHECK(sb.host().link("nic0").kind == "veth");  // the squatter is left alone
  CHECK(sb.host().link("nic0").index != nic.index);
  CHECK(ctr.snapshot().links.size() == 1);
}

TEST_CASE("a name template lets the kernel pick the name, and undo finds the device by its index") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  auto ctr = sb.child();
  TempDir dir;
  NetConfig cfg;
  cfg.devices.push_back({.name = "net%d", .kind = MoveDevice{.host_name = "nic0"},
                         .addresses = {prefix("10.5.0.2/24")}, .origin = "/devices/0"});
  auto journal = MUST(Journal::open(dir.file("j")));
  auto t = targets(sb, ctr);
  auto applied = MUST(apply(cfg, t, journal));
  CHECK(applied.devices[0].name == "net0");
  auto moved = ctr.link("net0");
  CHECK(has_address(ctr.snapshot(), moved.index, "10.5.0.2/24"));
  // The workload renames it; the journal still finds it.
  MUST(set_link_up(ctr.nl, moved.index, false));
  MUST(rename_link(ctr.nl, moved.index, "renamed"));
  auto reloaded = MUST(Journal::open(dir.file("j")));
  REQUIRE(reloaded.entries().size() == 1);
  CHECK(reloaded.entries()[0].arrived_name == "net0");
  auto u = undo_targets(sb, &ctr);
  MUST(undo(reloaded, u));
  auto back = sb.host().link("nic0");
  CHECK(back.index == nic.index);
  CHECK(back.up());
}

TEST_CASE("apply refuses a bad config before touching anything") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  auto ctr = sb.child();
  std::string before = host_state(sb.host());
  TempDir dir;
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0"}, .origin = "/devices/0"});
  cfg.routes.push_back({.to = prefix("10.0.0.0/8"), .device = "eth9", .origin = "/routes/0"});
  auto journal = MUST(Journal::open(dir.file("j")));
  auto t = targets(sb, ctr);
  auto r = apply(cfg, t, journal);
  REQUIRE_FALSE(r);
  CHECK(r.error().pointer == "/routes/0");
  CHECK(r.error().message().find("eth9") != std::string::npos);
  CHECK(journal.entries().empty());
  CHECK_FALSE(std::filesystem::exists(dir.file("j")));
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(ctr.snapshot().links.size() == 1);
}
