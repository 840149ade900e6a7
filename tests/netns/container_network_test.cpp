// setup_container_network / teardown_container_network: the pin + journal directory that
// lets a later process (delete, a poststop hook) undo what create did.
#include <doctest/doctest.h>


#include "support/apply_helpers.hpp"
#include "netns/container_network.hpp"
#include "netns/namespace.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

NetConfig move_and_veth() {
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0"},
                         .addresses = {prefix("192.0.2.10/24")}, .origin = "/devices/0"});
  cfg.devices.push_back({.name = "eth1", .kind = VethDevice{.host_name = "vh-ctr1", .bridge = "br0"},
                         .addresses = {prefix("10.88.0.5/16")}, .origin = "/devices/1"});
  return cfg;
}

}  // namespace

TEST_CASE("a container's network set up by one process is undone from its directory alone") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  sb.bridge("br0");
  MUST(add_address(sb.host().nl, sb.host().link("nic0").index, prefix("198.51.100.1/24")));
  auto before = host_state(sb.host());
  TempDir dir;
  ContainerNetworkDir where{dir.path()};
  auto in_host = MUST(enter(sb.host().ns));  // the runtime runs in the host's namespace
  {
    auto ctr = sb.child();
    MUST(setup_container_network(move_and_veth(), ctr.ns, where, {.container_id = "ctr1"}));
    CHECK(is_mount_point(where.pin_path()));
    auto inside = ctr.snapshot();
    REQUIRE(inside.link("eth0"));
    REQUIRE(inside.link("eth1"));
    CHECK_FALSE(sb.host().has_link("nic0"));
    CHECK(sb.host().link("vh-ctr1").master == sb.host().link("br0").index);
  }  // the container's last fd is gone: only the pin keeps its namespace
  auto report = MUST(teardown_container_network(where));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
  CHECK_FALSE(is_mount_point(where.pin_path()));
  CHECK(settled_host_state(sb.host(), before) == before);  // nic0 home with its address; the veth gone
  // Again: nothing left to do, nothing changes.
  auto again = MUST(teardown_container_network(where));
  CHECK(again.returned.empty());
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE("a setup that fails leaves no pin, no journal and the host as it was") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  sb.bridge("br0");
  auto before = host_state(sb.host());
  TempDir dir;
  ContainerNetworkDir where{dir.path()};
  auto in_host = MUST(enter(sb.host().ns));
  auto ctr = sb.child();
  NetConfig cfg = move_and_veth();
  std::get<VethDevice>(cfg.devices[1].kind).bridge = "no-such-br";
  auto r = setup_container_network(cfg, ctr.ns, where, {.container_id = "ctr1"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("no-such-br") != std::string::npos);
  CHECK_FALSE(is_mount_point(where.pin_path()));
  CHECK_FALSE(std::filesystem::exists(where.journal_path()));
  CHECK(settled_host_state(sb.host(), before) == before);
}
