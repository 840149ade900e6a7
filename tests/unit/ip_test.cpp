#include <doctest/doctest.h>

#include "netns/ip.hpp"

using namespace mr::netns;

TEST_CASE("IPv4 and IPv6 prefixes parse and print back") {
  auto v4 = IpPrefix::parse("192.0.2.10/24");
  REQUIRE(v4);
  CHECK(v4->family() == AF_INET);
  CHECK(v4->length == 24);
  CHECK(v4->to_string() == "192.0.2.10/24");
  CHECK(v4->network().to_string() == "192.0.2.0/24");
  auto v6 = IpPrefix::parse("2001:db8::10/64");
  REQUIRE(v6);
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->to_string() == "2001:db8::10/64");
  CHECK(v6->network().to_string() == "2001:db8::/64");
}

TEST_CASE("bad prefixes are rejected with the text in the message") {
  for (const char* bad : {"192.0.2.10", "192.0.2.10/33", "2001:db8::1/129", "192.0.2/24", "x/1",
                          "10.0.0.1/", "10.0.0.1/2a", "10.0.0.1/-1"}) {
    auto r = IpPrefix::parse(bad);
    CHECK_MESSAGE(!r, bad);
    if (!r) CHECK(r.error().message().find(bad) != std::string::npos);
  }
}

TEST_CASE("a prefix contains the addresses of its network only") {
  auto p = *IpPrefix::parse("10.88.0.5/16");
  CHECK(p.contains(*IpAddress::parse("10.88.255.1")));
  CHECK_FALSE(p.contains(*IpAddress::parse("10.89.0.1")));
  CHECK_FALSE(p.contains(*IpAddress::parse("2001:db8::1")));
}

TEST_CASE("MAC addresses parse strictly") {
  auto m = MacAddress::parse("02:00:5e:10:00:01");
  REQUIRE(m);
  CHECK(m->to_string() == "02:00:5e:10:00:01");
  CHECK_FALSE(MacAddress::parse("02:00:5e:10:00"));
  CHECK_FALSE(MacAddress::parse("02-00-5e-10-00-01"));
  CHECK_FALSE(MacAddress::parse("zz:00:5e:10:00:01"));
}

TEST_CASE("interface names follow the kernel's rules") {
  CHECK(check_ifname("eth0"));
  CHECK(check_ifname("123456789012345"));  // 15 bytes: the longest allowed
  auto too_long = check_ifname("1234567890123456");
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message() == "interface name \"1234567890123456\" is longer than 15 bytes: Invalid argument");
  for (const char* bad : {"", ".", "..", "a/b", "a b", "a:b", "a\tb"}) CHECK_MESSAGE(!check_ifname(bad), bad);
}
