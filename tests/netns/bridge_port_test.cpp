// A veth's host end that is only a bridge port gets no IPv6 link-local address: no DAD
// probe, MLD reports or router solicitations from it, flooded to every port of the
// bridge (with 1000 containers on one bridge, to 1000 namespaces). Host ends with
// addresses of their own, and every container end, keep theirs.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/apply_helpers.hpp"
#include "support/recovery_host.hpp"
#include "base/fault.hpp"
#include "netns/network_config.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

NetConfig one_port_config() {
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = VethDevice{.bridge = "br0"},
                         .addresses = {prefix("10.4.0.2/24")}, .origin = "/devices/0"});
  return cfg;
}

// A sandbox host with the bridge br0, a container namespace and a journal for it.
struct OnePortHost {
  Sandbox sb;
  LinkInfo br0 = sb.bridge("br0");
  Space ctr = sb.child();
  TempDir dir;
  Journal journal = MUST(Journal::open(dir.file("j")));
  ApplyTargets t = targets(sb, ctr);
};

bool has_link_local(const std::vector<std::string>& addresses) {
  return std::any_of(addresses.begin(), addresses.end(), [](const std::string& a) { return a.starts_with("fe80:"); });
}

}  // namespace

TEST_CASE("a bridge port's host end gets no IPv6 link-local address, a host end with an address and the container's ends do") {
  Sandbox sb;
  sb.bridge("br0");
  auto ctr = sb.child();
  TempDir dir;
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = VethDevice{.bridge = "br0"},
                         .addresses = {prefix("10.4.0.2/24"), prefix("fd00:4::2/64")}, .origin = "/devices/0"});
  cfg.devices.push_back({.name = "eth1", .kind = VethDevice{.host_addresses = {prefix("10.5.0.1/24")}},
                         .addresses = {prefix("10.5.0.2/24")}, .origin = "/devices/1"});
  auto journal = MUST(Journal::open(dir.file("net.journal")));
  auto t = targets(sb, ctr);
  auto applied = MUST(apply(cfg, t, journal));
  REQUIRE(applied.devices.size() == 2);
  const std::string port = applied.devices[0].host_name;
  const std::string routed = applied.devices[1].host_name;
  CHECK(sb.host().link(port).master == sb.host().link("br0").index);

  // addrconf makes a link-local address when linkwatch reports carrier, under RTNL;
  // wait_oper_up() returns after that work is done, so what is missing now stays missing.
  for (const auto& name : {port, routed}) sb.host().wait_oper_up(name);
  for (const auto& name : {"eth0", "eth1"}) ctr.wait_oper_up(name);

  CHECK(sb.host().addresses(sb.host().link(port).index, AF_INET6).empty());
  CHECK(has_link_local(sb.host().addresses(sb.host().link(routed).index, AF_INET6)));
  CHECK(has_link_local(ctr.addresses(ctr.link("eth0").index, AF_INET6)));
  CHECK(has_link_local(ctr.addresses(ctr.link("eth1").index, AF_INET6)));
  // Ports without IPv6 of their own still carry the containers' IPv6 across the bridge.
  auto other = sb.child();
  NetConfig other_cfg;
  other_cfg.devices.push_back({.name = "eth0", .kind = VethDevice{.bridge = "br0"},
                               .addresses = {prefix("fd00:4::3/64")}, .origin = "/devices/0"});
  auto other_journal = MUST(Journal::open(dir.file("other.journal")));
  auto other_t = targets(sb, other, "ctr-2");
  auto other_applied = MUST(apply(other_cfg, other_t, other_journal));
  sb.host().wait_oper_up(other_applied.devices[0].host_name);
  other.wait_oper_up("eth0");
  CHECK(sb.host().addresses(sb.host().link(other_applied.devices[0].host_name).index, AF_INET6).empty());
  check_udp(ctr, ip("fd00:4::2"), other, ip("fd00:4::3"));
  check_udp(other, ip("fd00:4::3"), ctr, ip("fd00:4::2"));
}

TEST_CASE("a failure at any step of a bridge port's setup, its IPv6 step included, leaves the host as it was") {
  if (!FaultInjector::enabled()) FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
  int steps = 0;
  {
    OnePortHost h;
    steps = MUST(apply(one_port_config(), h.t, h.journal)).steps;
  }
  // loopback, the veth, no IPv6 link-local on its host end, one address, eth0 up
  CHECK(steps == 5);
  for (int n = 1; n <= steps; ++n) {
    CAPTURE(n);
    OnePortHost h;
    const std::string before = host_state(h.sb.host());
    std::vector<Error> rollback_failures;
    Result<AppliedNetwork> r;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      r = apply(one_port_config(), h.t, h.journal, &rollback_failures);
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("injected fault at step " + std::to_string(n)) != std::string::npos);
    for (auto& f : rollback_failures) FAIL_CHECK(f.message());
    CHECK(settled_host_state(h.sb.host(), before) == before);
    CHECK(h.journal.pending().empty());
  }
}
