#include <doctest/doctest.h>

#include "netns/address.hpp"
#include "netns/route.hpp"
#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("a device moved with its addresses arrives renamed with them") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, *IpPrefix::parse("192.0.2.10/24")));
  MUST(add_address(sb.host().nl, nic.index, *IpPrefix::parse("2001:db8::10/64"), {.no_dad = true}));
  auto ctr = sb.child();
  auto carried = MUST(move_link_keep_addresses(sb.host().nl, nic.index, ctr.ns, ctr.nl, "eth0"));
  CHECK(carried.size() == 2);
  CHECK_FALSE(sb.host().has_link("nic0"));
  auto snap = ctr.snapshot();
  const LinkInfo* eth0 = snap.link("eth0");
  REQUIRE(eth0);
  auto addrs = snap.addresses_of(eth0->index);
  std::vector<std::string> texts;
  for (auto& a : addrs) texts.push_back(a.prefix.to_string());
  CHECK(std::count(texts.begin(), texts.end(), "192.0.2.10/24") == 1);
  CHECK(std::count(texts.begin(), texts.end(), "2001:db8::10/64") == 1);
  MUST(set_link_up(ctr.nl, eth0->index, true));
  MUST(add_route(ctr.nl, default_route(*IpAddress::parse("192.0.2.1"))));
  auto routes = ctr.snapshot().routes_of(AF_INET);
  bool has_default = std::any_of(routes.begin(), routes.end(), [](const Route& r) {
    return r.is_default() && r.gateway && r.gateway->to_string() == "192.0.2.1";
  });
  CHECK(has_default);
}
