#include <doctest/doctest.h>

#include "netns/ip.hpp"

using namespace mr;
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

TEST_CASE("IP address edge cases") {
  auto mapped = IpAddress::parse("::ffff:192.0.2.1");
  REQUIRE(mapped);
  CHECK(mapped->family == AF_INET6);
  CHECK(mapped->to_string() == "::ffff:192.0.2.1");
  CHECK(IpAddress::parse("2001:DB8::A")->to_string() == "2001:db8::a");
  for (const char* bad : {"", " 192.0.2.1", "192.0.2.1 ", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8:::1",
                          "fe80::1%eth0", "0x7f.0.0.1", "2001:db8:0:0:0:0:0:0:1"})
    CHECK_MESSAGE(!IpAddress::parse(bad), bad);
  CHECK_FALSE(IpAddress::parse(std::string(100, '1')));  // longer than any address
  CHECK_FALSE(IpAddress::parse(std::string_view("10.0.0.1\0x", 10)));  // inet_pton would stop at the NUL
  CHECK_FALSE(IpPrefix::parse(std::string_view("10.0.0.1\0/8", 11)));
  // The raw bytes of a netlink attribute: extra bytes are ignored, short ones leave zeros.
  const uint8_t raw[6] = {192, 0, 2, 1, 9, 9};
  CHECK(IpAddress::from_bytes(AF_INET, raw).to_string() == "192.0.2.1");
  CHECK(IpAddress::from_bytes(AF_INET6, raw).to_string() == "c000:201:909::");
  CHECK(IpAddress{}.to_string() == "?");
  CHECK(IpAddress::parse("fe80::1")->is_ipv6_link_local());
  CHECK(IpAddress::parse("febf::1")->is_ipv6_link_local());
  CHECK_FALSE(IpAddress::parse("fec0::1")->is_ipv6_link_local());
  CHECK_FALSE(IpAddress::parse("169.254.0.1")->is_ipv6_link_local());
}

TEST_CASE("prefix edge cases: the extremes of the length and the network of each") {
  CHECK(IpPrefix::parse("0.0.0.0/0")->network().to_string() == "0.0.0.0/0");
  CHECK(IpPrefix::parse("192.0.2.77/0")->network().to_string() == "0.0.0.0/0");
  CHECK(IpPrefix::parse("192.0.2.77/32")->network().to_string() == "192.0.2.77/32");
  CHECK(IpPrefix::parse("192.0.2.77/27")->network().to_string() == "192.0.2.64/27");
  CHECK(IpPrefix::parse("2001:db8::ffff/127")->network().to_string() == "2001:db8::fffe/127");
  CHECK(IpPrefix::parse("2001:db8::1/128")->to_string() == "2001:db8::1/128");
  CHECK(IpPrefix::parse("::/0")->length == 0);
  CHECK(IpPrefix::parse("10.1.2.3/0")->contains(*IpAddress::parse("203.0.113.9")));
  CHECK_FALSE(IpPrefix::parse("10.1.2.3/32")->contains(*IpAddress::parse("10.1.2.4")));
  CHECK(IpPrefix::parse("10.1.2.3/32")->contains(*IpAddress::parse("10.1.2.3")));
  for (const char* bad : {"/24", "192.0.2.1/", "192.0.2.1/+8", "192.0.2.1/ 8", "192.0.2.1/8 ", "192.0.2.1//8",
                          "192.0.2.1/8/8", "::/129", "192.0.2.1/4294967304"})
    CHECK_MESSAGE(!IpPrefix::parse(bad), bad);
}

TEST_CASE("MAC address edge cases") {
  CHECK(MacAddress::parse("02:AA:bb:CC:dd:EE")->to_string() == "02:aa:bb:cc:dd:ee");
  CHECK(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
  CHECK_FALSE(MacAddress::parse("02:00:5e:00:00:01")->is_multicast());
  for (const char* bad : {"", "02:00:5e:10:00:01:", "02:00:5e:10:00:0", "2:00:5e:10:00:01x", "02:00:5e:10:00:0g",
                          "+2:00:5e:10:00:01", " 2:00:5e:10:00:01", "02:00:5e:10:00-01", "0200.5e10.0001xx"})
    CHECK_MESSAGE(!MacAddress::parse(bad), bad);
  auto r = MacAddress::parse("nope");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "invalid MAC address \"nope\": Invalid argument");
}

TEST_CASE("interface name edge cases") {
  CHECK(check_ifname("..."));
  CHECK(check_ifname("veth-a.1_b"));
  CHECK(check_ifname("a"));
  for (std::string_view bad : {std::string_view("a\nb"), std::string_view("a\vb"), std::string_view("tail "),
                               std::string_view(" head"), std::string_view("a\0b", 3), std::string_view("/")})
    CHECK_FALSE(check_ifname(bad));
  CHECK(check_ifname("").error().message() == "interface name is empty: Invalid argument");
  CHECK(check_ifname("a/b").error().message() ==
        "interface name \"a/b\" contains '/', ':', NUL or whitespace: Invalid argument");
  CHECK(check_ifname("..").error().message() == "interface name \"..\" is reserved: Invalid argument");
}
