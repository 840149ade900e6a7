#include <doctest/doctest.h>

#include <optional>

#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

// The route of `routes` to `destination` (a network prefix text, "0.0.0.0/0" for default),
// a copy: the tests pass the list as a temporary.
std::optional<Route> find_route(const std::vector<Route>& routes, const std::string& destination) {
  for (auto& r : routes)
    if (r.destination.network().to_string() == destination) return r;
  return std::nullopt;
}

// A host sandbox with nic0 up and addressed in 192.0.2.0/24 and 2001:db8::/64.
struct Routed {
  Sandbox sb;
  LinkInfo nic = sb.veth("nic0", "wire0");
  Routed() {
    MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
    MUST(add_address(sb.host().nl, nic.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  }
  NlSocket& nl() { return sb.host().nl; }
};

}  // namespace

TEST_CASE("default routes via a gateway, IPv4 and IPv6, listed per family and deleted") {
  Routed h;
  auto v4 = default_route(ip("192.0.2.1"));
  auto v6 = default_route(ip("2001:db8::1"), h.nic.index);
  MUST(add_route(h.nl(), v4));
  MUST(add_route(h.nl(), v6));
  auto routes4 = h.sb.host().routes(AF_INET);
  for (auto& r : routes4) CHECK(r.family() == AF_INET);
  auto d4 = find_route(routes4, "0.0.0.0/0");
  REQUIRE(d4);
  CHECK(d4->is_default());
  REQUIRE(d4->gateway);
  CHECK(d4->gateway->to_string() == "192.0.2.1");
  CHECK(d4->oif == h.nic.index);  // the kernel picked the link by the gateway
  CHECK(d4->table == RT_TABLE_MAIN);
  auto routes6 = h.sb.host().routes(AF_INET6);
  for (auto& r : routes6) CHECK(r.family() == AF_INET6);
  auto d6 = find_route(routes6, "::/0");
  REQUIRE(d6);
  REQUIRE(d6->gateway);
  CHECK(d6->gateway->to_string() == "2001:db8::1");
  CHECK(d6->oif == h.nic.index);

  MUST(delete_route(h.nl(), v4));
  MUST(delete_route(h.nl(), v6));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET), "0.0.0.0/0"));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET6), "::/0"));
}

TEST_CASE("a prefix via a gateway, and a prefix on-link through a device") {
  Routed h;
  Route via{.destination = prefix("198.51.100.0/24"), .gateway = ip("192.0.2.254"), .metric = 50};
  Route onlink_dev{.destination = prefix("203.0.113.0/24"), .oif = h.nic.index};
  Route v6_dev{.destination = prefix("2001:db8:1::/48"), .oif = h.nic.index};
  Route v6_via{.destination = prefix("2001:db8:2::/48"), .gateway = ip("2001:db8::1"), .metric = 60};
  MUST(add_route(h.nl(), via));
  MUST(add_route(h.nl(), onlink_dev));
  MUST(add_route(h.nl(), v6_dev));
  MUST(add_route(h.nl(), v6_via));
  auto routes = h.sb.host().routes(AF_INET);
  auto r1 = find_route(routes, "198.51.100.0/24");
  REQUIRE(r1);
  CHECK(r1->gateway->to_string() == "192.0.2.254");
  CHECK(r1->metric == 50);
  CHECK(r1->scope == RT_SCOPE_UNIVERSE);
  auto r2 = find_route(routes, "203.0.113.0/24");
  REQUIRE(r2);
  CHECK_FALSE(r2->gateway);
  CHECK(r2->oif == h.nic.index);
  CHECK(r2->scope == RT_SCOPE_LINK);
  auto r3 = find_route(h.sb.host().routes(AF_INET6), "2001:db8:1::/48");
  REQUIRE(r3);
  CHECK_FALSE(r3->gateway);
  CHECK(r3->oif == h.nic.index);
  auto r4 = find_route(h.sb.host().routes(AF_INET6), "2001:db8:2::/48");
  REQUIRE(r4);
  REQUIRE(r4->gateway);
  CHECK(r4->gateway->to_string() == "2001:db8::1");
  CHECK(r4->oif == h.nic.index);  // no device given: the kernel found it through the gateway
  CHECK(r4->metric == 60);
  MUST(delete_route(h.nl(), v6_via));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET6), "2001:db8:2::/48"));
  MUST(delete_route(h.nl(), onlink_dev));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET), "203.0.113.0/24"));
  CHECK(find_route(h.sb.host().routes(AF_INET), "198.51.100.0/24"));
}

TEST_CASE("an onlink gateway outside every prefix of the link is accepted only with the flag") {
  Routed h;
  auto plain = default_route(ip("10.255.255.1"), h.nic.index);
  auto r = add_route(h.nl(), plain);
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENETUNREACH);
  auto onlink = plain;
  onlink.onlink = true;
  MUST(add_route(h.nl(), onlink));
  auto d = find_route(h.sb.host().routes(AF_INET), "0.0.0.0/0");
  REQUIRE(d);
  CHECK(d->onlink);
  CHECK(d->gateway->to_string() == "10.255.255.1");
  CHECK(d->oif == h.nic.index);
  MUST(delete_route(h.nl(), onlink));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET), "0.0.0.0/0"));
}

TEST_CASE("an IPv6 onlink gateway outside the link's prefixes") {
  Routed h;
  auto r = default_route(ip("2001:db9::1"), h.nic.index);
  r.onlink = true;
  MUST(add_route(h.nl(), r));
  auto d = find_route(h.sb.host().routes(AF_INET6), "::/0");
  REQUIRE(d);
  CHECK(d->onlink);
  CHECK(d->gateway->to_string() == "2001:db9::1");
  MUST(delete_route(h.nl(), r));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET6), "::/0"));
}

TEST_CASE("a route keeps its preferred source address") {
  Routed h;
  Route r{.destination = prefix("198.51.100.0/24"), .gateway = ip("192.0.2.1"), .source = ip("192.0.2.10")};
  MUST(add_route(h.nl(), r));
  auto got = find_route(h.sb.host().routes(AF_INET), "198.51.100.0/24");
  REQUIRE(got);
  REQUIRE(got->source);
  CHECK(got->source->to_string() == "192.0.2.10");
  // A source the namespace does not own is refused (fib_create_info: "Invalid prefsrc address").
  Route foreign{.destination = prefix("203.0.113.0/24"), .gateway = ip("192.0.2.1"), .source = ip("192.0.2.99")};
  auto bad = add_route(h.nl(), foreign);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().err == EINVAL);
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET), "203.0.113.0/24"));
}

TEST_CASE("routes of another table stay out of the main table's list") {
  Routed h;
  Route r{.destination = prefix("198.51.100.0/24"), .gateway = ip("192.0.2.1"), .table = 1000};
  MUST(add_route(h.nl(), r));
  CHECK_FALSE(find_route(h.sb.host().routes(AF_INET), "198.51.100.0/24"));
  auto other = MUST(list_routes(h.nl(), AF_INET, 1000));
  REQUIRE(other.size() == 1);
  CHECK(other[0].table == 1000);
  CHECK(other[0].destination.network().to_string() == "198.51.100.0/24");
}
