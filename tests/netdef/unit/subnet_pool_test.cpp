// The subnet pools (netdef/subnet_pool.hpp), given the taken prefixes directly.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "netdef/prefix_math.hpp"
#include "netdef/subnet_pool.hpp"

using namespace mr;
using namespace mr::netdef;

namespace {

std::vector<netns::IpPrefix> prefixes(std::initializer_list<const char*> texts) {
  std::vector<netns::IpPrefix> out;
  for (const char* t : texts) out.push_back(*netns::IpPrefix::parse(t));
  return out;
}

std::string picked_ipv4(std::initializer_list<const char*> taken) {
  auto p = pick_free_ipv4(prefixes(taken));
  return p ? p->to_string() : "none";
}

}  // namespace

TEST_CASE("the IPv4 pool gives its first /24 that overlaps nothing taken") {
  CHECK(picked_ipv4({}) == "10.89.1.0/24");
  // The default network's 10.89.0.0/24 is not in the pool.
  CHECK(picked_ipv4({"10.89.0.0/24"}) == "10.89.1.0/24");
  // A /24 taken, a /23 over the next two, an address's /32 in the one after.
  CHECK(picked_ipv4({"10.89.1.0/24", "10.89.2.0/23", "10.89.4.7/32"}) == "10.89.5.0/24");
  // A wider prefix that starts below the pool covers its start.
  CHECK(picked_ipv4({"10.89.0.0/22"}) == "10.89.4.0/24");
  // Other families and other ranges take nothing.
  CHECK(picked_ipv4({"fd00::/8", "192.168.0.0/16", "10.88.0.0/16"}) == "10.89.1.0/24");
  // 10.89/16 all taken: on to 10.90.0.0/15.
  CHECK(picked_ipv4({"10.89.0.0/16"}) == "10.90.0.0/24");
  CHECK(picked_ipv4({"10.89.0.0/16", "10.90.0.0/16", "10.91.0.0/24"}) == "10.91.1.0/24");
  CHECK(picked_ipv4({"10.89.0.0/16", "10.90.0.0/15"}) == "none");
  CHECK(picked_ipv4({"10.0.0.0/8"}) == "none");
}

TEST_CASE("the IPv6 pool gives a /64 of fd00::/8 from the drawn global ID, drawing again while taken") {
  std::vector<GlobalId> ids = {{0x12, 0x34, 0x56, 0x78, 0x9a}, {0xab, 0xcd, 0xef, 0x01, 0x23}};
  size_t drawn = 0;
  auto draw = [&]() -> Result<GlobalId> { return ids[std::min(drawn++, ids.size() - 1)]; };

  auto p = pick_free_ipv6(prefixes({"10.89.0.0/16"}), draw);
  REQUIRE(p);
  REQUIRE(*p);
  CHECK((*p)->to_string() == "fd12:3456:789a::/64");
  CHECK(drawn == 1);

  drawn = 0;
  p = pick_free_ipv6(prefixes({"fd12:3456:789a::/48"}), draw);
  REQUIRE(p);
  REQUIRE(*p);
  CHECK((*p)->to_string() == "fdab:cdef:123::/64");
  CHECK(drawn == 2);

  drawn = 0;
  p = pick_free_ipv6(prefixes({"fd00::/8"}), draw);
  REQUIRE(p);
  CHECK(!*p);
  CHECK(drawn == static_cast<size_t>(kIpv6Draws));
}

TEST_CASE("random global IDs make a prefix inside fd00::/8") {
  auto p = pick_free_ipv6({});
  REQUIRE(p);
  REQUIRE(*p);
  CHECK(inside(**p, *netns::IpPrefix::parse("fd00::/8")));
  CHECK((*p)->length == 64);
}

TEST_CASE("prefix arithmetic") {
  auto p = [](const char* t) { return *netns::IpPrefix::parse(t); };
  CHECK(overlaps(p("10.0.0.0/8"), p("10.89.1.0/24")));
  CHECK(overlaps(p("10.89.1.0/24"), p("10.0.0.0/8")));
  CHECK(!overlaps(p("10.89.1.0/24"), p("10.89.2.0/24")));
  CHECK(!overlaps(p("10.89.1.0/24"), p("fd00::/8")));
  CHECK(last_address(p("10.89.1.0/24")).to_string() == "10.89.1.255");
  CHECK(add_to(p("10.89.1.255/32").address, 1).to_string() == "10.89.2.0");
  CHECK(inside(p("10.89.1.128/25"), p("10.89.1.0/24")));
  CHECK(!inside(p("10.89.0.0/16"), p("10.89.1.0/24")));
}
