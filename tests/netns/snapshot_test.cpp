#include <doctest/doctest.h>

#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("a snapshot reflects the links, addresses and routes made") {
  Sandbox sb;
  auto ctr = sb.child();
  auto eth0 = sb.veth_into(ctr, "vh0", "eth0");
  MUST(set_link_mtu(ctr.nl, eth0.index, 1400));
  MUST(add_address(ctr.nl, eth0.index, *IpPrefix::parse("10.88.0.5/16")));
  MUST(add_address(ctr.nl, eth0.index, *IpPrefix::parse("fd00::5/64"), {.no_dad = true}));
  MUST(add_route(ctr.nl, default_route(*IpAddress::parse("10.88.0.1"))));
  MUST(add_route(ctr.nl, default_route(*IpAddress::parse("fd00::1"))));

  auto snap = ctr.snapshot();
  REQUIRE(snap.link("lo"));
  const LinkInfo* l = snap.link("eth0");
  REQUIRE(l);
  CHECK(snap.link(eth0.index) == l);
  CHECK(l->mtu == 1400);
  CHECK(l->up());
  CHECK(l->kind == "veth");
  CHECK_FALSE(snap.link("vh0"));
  auto addrs = prefix_texts(snap.addresses_of(eth0.index));
  CHECK(contains(addrs, "10.88.0.5/16"));
  CHECK(contains(addrs, "fd00::5/64"));
  CHECK(contains(prefix_texts(snap.addresses_of(1)), "127.0.0.1/8"));
  auto has_default = [](const std::vector<Route>& routes, const char* gw) {
    return std::any_of(routes.begin(), routes.end(), [&](const Route& r) {
      return r.is_default() && r.gateway && r.gateway->to_string() == gw;
    });
  };
  CHECK(has_default(snap.routes_of(AF_INET), "10.88.0.1"));
  CHECK(has_default(snap.routes_of(AF_INET6), "fd00::1"));
  CHECK_FALSE(has_default(snap.routes_of(AF_INET), "fd00::1"));

  auto state = MUST(capture_link(ctr.nl, "eth0"));
  CHECK(state.link.index == eth0.index);
  auto captured = prefix_texts(state.addresses);
  std::sort(captured.begin(), captured.end());
  CHECK(captured == std::vector<std::string>{"10.88.0.5/16", "fd00::5/64"});
}
