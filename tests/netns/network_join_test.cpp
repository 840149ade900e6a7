// A container joins a managed network (netns/device_network.hpp): its bridge made by the
// first and deleted by the last, addresses from the network's pool under its lock,
// static ones honoured or refused, a full pool refused, and every step rolled back.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "base/fault.hpp"
#include "netns/address_pool.hpp"
#include "netns/network_config.hpp"
#include "netns/route.hpp"
#include "support/apply_helpers.hpp"
#include "support/network_join.hpp"
#include "support/scoped_env.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;
namespace fs = std::filesystem;

namespace {

bool has_default_via(Space& s, int family, const std::string& gateway) {
  auto routes = s.routes(family);
  return std::any_of(routes.begin(), routes.end(),
                     [&](const Route& r) { return r.is_default() && r.gateway && r.gateway->to_string() == gateway; });
}

}  // namespace

TEST_CASE("the first container on a network makes its bridge, the last one out deletes it") {
  Sandbox sb;
  TempDir dir;
  const std::string before = host_state(sb.host());
  const std::string pool = dir.file("pool");
  auto a = member(sb, dir, "a");
  auto b = member(sb, dir, "b");

  auto joined_a = MUST(join(sb, a, joining(web(pool))));
  auto bridge = sb.host().link("mr-web");
  CHECK(bridge.kind == "bridge");
  CHECK(bridge.up());
  auto gateways = sb.host().addresses(bridge.index);
  CHECK(contains(gateways, "10.89.1.1/24"));
  CHECK(contains(gateways, "fd00:89:1::1/64"));
  CHECK(sb.host().link(joined_a.devices[0].host_name).master == bridge.index);
  CHECK(a.ctr.addresses(a.ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.1.2/24"});
  CHECK(contains(a.ctr.addresses(a.ctr.link("eth0").index, AF_INET6), "fd00:89:1::2/64"));
  CHECK(has_default_via(a.ctr, AF_INET, "10.89.1.1"));
  CHECK(has_default_via(a.ctr, AF_INET6, "fd00:89:1::1"));

  // The second gets the next addresses, on the same bridge, and reaches the first.
  auto joined_b = MUST(join(sb, b, joining(web(pool))));
  CHECK(sb.host().link("mr-web").index == bridge.index);
  CHECK(sb.host().link(joined_b.devices[0].host_name).master == bridge.index);
  CHECK(b.ctr.addresses(b.ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.1.3/24"});
  a.ctr.wait_oper_up("eth0");
  b.ctr.wait_oper_up("eth0");
  sb.host().wait_oper_up(joined_a.devices[0].host_name);
  sb.host().wait_oper_up(joined_b.devices[0].host_name);
  check_udp(a.ctr, ip("10.89.1.2"), b.ctr, ip("10.89.1.3"));
  CHECK(pool_files(pool) == std::vector<std::string>{"10.89.1.2", "10.89.1.3", "bridge", "fd00:89:1::2", "fd00:89:1::3",
                                                     "last-4", "last-6"});

  // The first leaves: its addresses are free, the bridge stays for the second.
  leave(sb, a);
  CHECK(sb.host().has_link("mr-web"));
  // The gateway keeps its MAC when the port whose MAC is lowest leaves: the others' ARP
  // entries for it stay right.
  CHECK(sb.host().link("mr-web").mac == bridge.mac);
  CHECK_FALSE(sb.host().has_link(joined_a.devices[0].host_name));
  CHECK(pool_files(pool) == std::vector<std::string>{"10.89.1.3", "bridge", "fd00:89:1::3", "last-4", "last-6"});
  // The last leaves: the bridge goes, and the host is as it was.
  leave(sb, b);
  CHECK_FALSE(sb.host().has_link("mr-web"));
  CHECK(pool_files(pool) == std::vector<std::string>{"last-4", "last-6"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE("a static address is honoured, and one taken, the gateway, or outside the subnet is refused in one line") {
  Sandbox sb;
  TempDir dir;
  const std::string pool = dir.file("pool");
  auto a = member(sb, dir, "a");
  auto asks = web(pool);
  asks.requested = {ip("10.89.1.50")};
  MUST(join(sb, a, joining(asks)));
  CHECK(a.ctr.addresses(a.ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.1.50/24"});

  const std::string with_a = host_state(sb.host());
  struct Case {
    const char* address;
    int err;
    const char* says;
  };
  for (const Case& c : {Case{"10.89.1.50", EADDRINUSE, "address 10.89.1.50 on network web is taken by container \"a\""},
                        Case{"10.89.1.1", EADDRINUSE, "address 10.89.1.1 is network web's gateway"},
                        Case{"10.89.1.255", EINVAL, "address 10.89.1.255 is the broadcast address of network web's subnet"},
                        Case{"10.89.2.7", EINVAL, "address 10.89.2.7 is in no subnet of network web"}}) {
    CAPTURE(c.address);
    auto b = member(sb, dir, "b");
    auto n = web(pool);
    n.requested = {ip(c.address)};
    auto r = join(sb, b, joining(n));
    REQUIRE_FALSE(r);
    CHECK(r.error().err == c.err);
    CHECK(r.error().message().find(c.says) != std::string::npos);
    CHECK(r.error().message().find('\n') == std::string::npos);
    CHECK(r.error().pointer == "/devices/0");
    CHECK(host_state(sb.host()) == with_a);
    CHECK(b.journal.entries().empty());
  }
  leave(sb, a);
  CHECK_FALSE(sb.host().has_link("mr-web"));
}

TEST_CASE("a full pool is refused in one line and changes nothing") {
  Sandbox sb;
  TempDir dir;
  const std::string pool = dir.file("pool");
  auto tiny = web(pool);
  // 10.89.3.0/29: .1 is the gateway, .7 the broadcast address, .2 to .6 for containers.
  tiny.subnets = {{.subnet = prefix("10.89.3.0/29"), .gateway = ip("10.89.3.1")}};
  std::vector<Member> in;
  for (int i = 0; i < 5; ++i) {
    in.push_back(member(sb, dir, "c" + std::to_string(i)));
    MUST(join(sb, in.back(), joining(tiny)));
  }
  const std::string full = host_state(sb.host());
  auto late = member(sb, dir, "late");
  auto r = join(sb, late, joining(tiny));
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENOSPC);
  CHECK(r.error().message().find("network web has no free address in 10.89.3.0/29") != std::string::npos);
  CHECK(host_state(sb.host()) == full);
  // One leaves: its address is the only free one, and the late one gets it.
  leave(sb, in[2]);
  MUST(join(sb, late, joining(tiny)));
  CHECK(late.ctr.addresses(late.ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.3.4/29"});
  leave(sb, late);
  for (auto& m : in)
    if (&m != &in[2]) leave(sb, m);
  CHECK_FALSE(sb.host().has_link("mr-web"));
}

TEST_CASE("a join that fails at any step gives back its addresses and the bridge it made") {
  const int steps = [] {
    Sandbox sb;
    forwarding_off(sb);
    TempDir dir;
    auto m = member(sb, dir, "a");
    auto joined = MUST(join(sb, m, joining(web(dir.file("pool"))))).steps;
    // Forwarding on, for both families, and left on (as every engine leaves it).
    CHECK(MUST(netns::read_sysctl(sb.host().ns, "net.ipv4.ip_forward")) == "1");
    CHECK(MUST(netns::read_sysctl(sb.host().ns, "net.ipv6.conf.all.forwarding")) == "1");
    leave(sb, m);
    CHECK(MUST(netns::read_sysctl(sb.host().ns, "net.ipv4.ip_forward")) == "1");
    return joined;
  }();
  // lo, 2 leases, bridge, 2 gateways, 2 forwarding sysctls, the packet filter, veth, no
  // link-local, 2 addresses, up, 2 routes, up.
  CHECK(steps == 17);
  for (int n = 1; n <= steps; ++n) {
    CAPTURE(n);
    Sandbox sb;
    forwarding_off(sb);
    TempDir dir;
    const std::string pool = dir.file("pool");
    const std::string before = host_state(sb.host());
    auto m = member(sb, dir, "a");
    Result<AppliedNetwork> r;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      r = join(sb, m, joining(web(pool)));
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().err == ECANCELED);
    CHECK(settled_host_state(sb.host(), before) == before);
    CHECK(m.journal.pending().empty());
    auto left = pool_files(pool);
    std::erase_if(left, [](const std::string& f) { return f.starts_with("last-"); });
    CHECK(left.empty());
  }
}

TEST_CASE("50 containers joining one network at once get 50 distinct addresses") {
  constexpr int kJoiners = 50;
  Sandbox sb;
  TempDir dir;
  const std::string pool = dir.file("pool");
  const std::string before = host_state(sb.host());
  std::vector<Member> members;
  for (int i = 0; i < kJoiners; ++i) members.push_back(member(sb, dir, "p" + std::to_string(i)));
  std::vector<std::string> got(kJoiners), errors(kJoiners);
  recording_filter();
  {
    std::vector<std::jthread> joiners;
    for (int i = 0; i < kJoiners; ++i)
      joiners.emplace_back([&, i] {
        // Each its own host socket: one NlSocket is not shared between threads.
        auto host = NlSocket::open_in(sb.host().ns);
        if (!host) return void(errors[i] = host.error().message());
        ApplyTargets t{*host, sb.host().ns, members[i].ctr.ns, members[i].ctr.nl, members[i].id};
        auto n = web(pool);
        n.subnets.pop_back();
        auto r = apply(joining(n), t, members[i].journal);
        if (!r) return void(errors[i] = r.error().message());
        auto addrs = list_addresses(members[i].ctr.nl, r->devices[0].index, AF_INET);
        if (addrs && addrs->size() == 1) got[i] = addrs->front().prefix.to_string();
      });
  }
  for (const auto& e : errors) CHECK(e == "");
  std::set<std::string> distinct(got.begin(), got.end());
  CHECK(distinct.size() == kJoiners);
  CHECK_FALSE(distinct.contains(""));
  CHECK(sb.host().has_link("mr-web"));
  for (auto& m : members) leave(sb, m);
  CHECK_FALSE(sb.host().has_link("mr-web"));
  CHECK(settled_host_state(sb.host(), before) == before);
}
