#include <doctest/doctest.h>

#include "support/apply_helpers.hpp"
#include "netns/address.hpp"
#include "netns/moved_link.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("undo after a crash between the record and the move leaves the device as it is") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  std::string before = host_state(sb.host());
  auto ctr = sb.child();
  TempDir dir;
  {
    auto journal = MUST(Journal::open(dir.file("j")));
    auto r = MUST(capture_host_link(sb.host().nl, "nic0"));
    r.ctr_name = "eth0";
    r.ctr_index = nic.index;
    MUST(journal.record(r));  // and then the process died
  }
  auto journal = MUST(Journal::open(dir.file("j")));
  auto u = undo_targets(sb, &ctr);
  auto report = MUST(undo(journal, u));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
  CHECK_FALSE(report.returned[0].fallback);
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE("a device that came home under another name is renamed and restored") {
  // What the kernel does to a physical device when its namespace dies: it comes back
  // down, without addresses, named "devN" (default_device_exit_net()).
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  MUST(add_address(sb.host().nl, nic.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  std::string before = host_state(sb.host());
  TempDir dir;
  {
    auto journal = MUST(Journal::open(dir.file("j")));
    auto r = MUST(capture_host_link(sb.host().nl, "nic0"));
    r.ctr_name = "eth0";
    r.ctr_index = nic.index;
    MUST(journal.record(r));
  }
  MUST(set_link_up(sb.host().nl, nic.index, false));
  MUST(delete_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  MUST(change_link(sb.host().nl, nic.index, {.name = "dev" + std::to_string(nic.index), .mtu = 1280}));
  auto journal = MUST(Journal::open(dir.file("j")));
  auto u = undo_targets(sb, nullptr);  // the container is gone
  auto report = MUST(undo(journal, u));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE("undo leaves a host device alone that took a recorded veth's name but is not the container's") {
  Sandbox sb;
  sb.bridge("mrvethname");
  auto other = sb.child();
  sb.veth_into(other, "mrother", "eth0");  // a veth whose peer is in another namespace
  auto ctr = sb.child();
  TempDir dir;
  auto journal = MUST(Journal::open(dir.file("j")));
  MUST(journal.record(DeleteVeth{"mrvethname", "eth0"}));
  MUST(journal.record(DeleteVeth{"mrother", "eth0"}));
  // With the container's namespace: each is found not to be its pair, and left alone.
  auto u = undo_targets(sb, &ctr);
  auto report = MUST(undo(journal, u));
  REQUIRE(report.warnings.size() == 2);
  CHECK(report.warnings[0].message() == "veth host end mrother on the host is not the container's any more (its "
                                        "peer is not in the container's namespace): left alone");
  CHECK(report.warnings[1].message().find("mrvethname") != std::string::npos);
  CHECK(sb.host().has_link("mrvethname"));
  CHECK(sb.host().link("mrother").kind == "veth");
  CHECK(other.has_link("eth0"));
  CHECK(journal.pending().empty());
  // Without it (the namespace is gone, and its pair with it), nothing is even looked at.
  auto again = MUST(Journal::open(dir.file("k")));
  MUST(again.record(DeleteVeth{"mrother", "eth0"}));
  auto gone = undo_targets(sb, nullptr);
  auto quiet = MUST(undo(again, gone));
  CHECK(quiet.warnings.empty());
  CHECK(sb.host().link("mrother").kind == "veth");
  CHECK(again.pending().empty());
}

TEST_CASE("a device that stays at teardown is still given back by a failed apply") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  auto ctr = sb.child();
  TempDir dir;
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0", .return_on_teardown = false},
                         .origin = "/devices/0"});
  auto t = targets(sb, ctr);
  SUBCASE("success: nothing left to undo") {
    auto journal = MUST(Journal::open(dir.file("j")));
    MUST(apply(cfg, t, journal));
    CHECK(journal.pending().empty());
    auto u = undo_targets(sb, &ctr);
    MUST(undo(journal, u));
    CHECK(ctr.has_link("eth0"));
    CHECK_FALSE(sb.host().has_link("nic0"));
  }
  SUBCASE("failure: it comes back") {
    cfg.routes.push_back({.to = prefix("10.0.0.0/8"), .via = ip("10.1.1.1"), .device = "eth0", .origin = "/routes/0"});
    auto journal = MUST(Journal::open(dir.file("j")));
    auto r = apply(cfg, t, journal);  // eth0 has no address: the gateway is unreachable
    REQUIRE_FALSE(r);
    CHECK(r.error().pointer == "/routes/0");
    CHECK(sb.host().has_link("nic0"));
    CHECK_FALSE(ctr.has_link("eth0"));
  }
}
