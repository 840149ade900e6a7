// The rtnetlink parsers on messages built by hand, shaped like the kernel's replies.
#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "netns/address.hpp"
#include "netns/kernel_names.hpp"
#include "netns/link.hpp"
#include "netns/route.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

}  // namespace

TEST_CASE("parse_link reads every field of a macvlan's RTM_NEWLINK") {
  nl::Message m(RTM_NEWLINK, 0);
  m.put(ifinfomsg{.ifi_index = 7, .ifi_flags = IFF_UP | IFF_LOWER_UP});
  m.attr_str(IFLA_IFNAME, "eth0");
  m.attr_u32(IFLA_MTU, 1400);
  auto mac = *MacAddress::parse("02:00:5e:10:00:01");
  m.attr_bytes(IFLA_ADDRESS, mac.bytes);
  m.attr_u32(IFLA_MASTER, 3);
  m.attr_u32(IFLA_LINK, 9);
  m.attr_s32(IFLA_LINK_NETNSID, 0);
  m.attr_u8(IFLA_OPERSTATE, IF_OPER_UP);
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "macvlan");
    auto data = m.nest(IFLA_INFO_DATA);
    m.attr_u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
  }
  REQUIRE_FALSE(m.overflowed());
  auto l = parse_link(m.header());
  CHECK(l.index == 7);
  CHECK(l.name == "eth0");
  CHECK(l.up());
  CHECK(l.flags == (IFF_UP | IFF_LOWER_UP));
  CHECK(l.mtu == 1400);
  REQUIRE(l.mac);
  CHECK(*l.mac == mac);
  CHECK(l.master == 3);
  CHECK(l.parent == 9);
  CHECK(l.parent_elsewhere);
  CHECK(l.operstate == IF_OPER_UP);
  CHECK(l.kind == "macvlan");
  CHECK(l.macvlan_mode == MACVLAN_MODE_BRIDGE);
}

TEST_CASE("parse_link leaves out what the message does not carry") {
  nl::Message m(RTM_NEWLINK, 0);
  m.put(ifinfomsg{.ifi_index = 1});
  m.attr_str(IFLA_IFNAME, "lo");
  const uint8_t long_hw[16] = {};  // not a 6-byte MAC: not taken as one
  m.attr_bytes(IFLA_ADDRESS, long_hw);
  auto l = parse_link(m.header());
  CHECK(l.name == "lo");
  CHECK_FALSE(l.up());
  CHECK_FALSE(l.mac);
  CHECK(l.kind.empty());
  CHECK(l.master == 0);
  CHECK_FALSE(l.parent_elsewhere);
  CHECK(l.macvlan_mode == 0);
}

TEST_CASE("parse_address takes IFA_LOCAL over IFA_ADDRESS and IFA_FLAGS over ifa_flags") {
  nl::Message m(RTM_NEWADDR, 0);
  m.put(ifaddrmsg{.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_flags = 0, .ifa_scope = RT_SCOPE_UNIVERSE,
                  .ifa_index = 4});
  m.attr_bytes(IFA_ADDRESS, ip("192.0.2.99").span());  // a point-to-point peer
  m.attr_bytes(IFA_LOCAL, ip("192.0.2.10").span());
  m.attr_bytes(IFA_BROADCAST, ip("192.0.2.255").span());
  m.attr_u32(IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
  auto a = parse_address(m.header());
  CHECK(a.index == 4);
  CHECK(a.prefix.to_string() == "192.0.2.10/24");
  CHECK(a.permanent());
  CHECK(a.flags == (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE));
  REQUIRE(a.broadcast);
  CHECK(a.broadcast->to_string() == "192.0.2.255");
  CHECK(a.options().broadcast == a.broadcast);
  CHECK_FALSE(a.options().no_dad);
}

TEST_CASE("parse_address reads an IPv6 address sent as IFA_ADDRESS only") {
  nl::Message m(RTM_NEWADDR, 0);
  // No IFA_FLAGS: the header's 8 bits of flags count.
  m.put(ifaddrmsg{.ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_flags = IFA_F_NODAD, .ifa_scope = RT_SCOPE_LINK,
                  .ifa_index = 2});
  m.attr_bytes(IFA_ADDRESS, ip("fe80::1").span());
  auto a = parse_address(m.header());
  CHECK(a.prefix.to_string() == "fe80::1/64");
  CHECK(a.prefix.address.is_ipv6_link_local());
  CHECK(a.scope == RT_SCOPE_LINK);
  CHECK_FALSE(a.permanent());
  CHECK(a.options().no_dad);
  CHECK(a.options().scope == RT_SCOPE_LINK);
  CHECK_FALSE(a.broadcast);
}

TEST_CASE("parse_route reads a default route of a table above 255") {
  nl::Message m(RTM_NEWROUTE, 0);
  // RT_TABLE_UNSPEC in the header: the real table is in RTA_TABLE.
  m.put(rtmsg{.rtm_family = AF_INET, .rtm_dst_len = 0, .rtm_table = RT_TABLE_UNSPEC, .rtm_protocol = RTPROT_STATIC,
              .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST, .rtm_flags = RTNH_F_ONLINK});
  m.attr_u32(RTA_TABLE, 1000);
  m.attr_bytes(RTA_GATEWAY, ip("10.255.255.1").span());
  m.attr_u32(RTA_OIF, 3);
  m.attr_u32(RTA_PRIORITY, 100);
  m.attr_bytes(RTA_PREFSRC, ip("192.0.2.10").span());
  auto r = parse_route(m.header());
  CHECK(r.is_default());
  CHECK(r.family() == AF_INET);
  CHECK(r.table == 1000);
  REQUIRE(r.gateway);
  CHECK(r.gateway->to_string() == "10.255.255.1");
  CHECK(r.oif == 3);
  CHECK(r.metric == 100);
  REQUIRE(r.source);
  CHECK(r.source->to_string() == "192.0.2.10");
  CHECK(r.onlink);
  CHECK(r.protocol == RTPROT_STATIC);
  CHECK(to_string(r) == "default via 10.255.255.1 dev index 3 onlink table 1000");
}

TEST_CASE("parse_route reads an IPv6 prefix route on a link") {
  nl::Message m(RTM_NEWROUTE, 0);
  m.put(rtmsg{.rtm_family = AF_INET6, .rtm_dst_len = 48, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_KERNEL});
  m.attr_bytes(RTA_DST, ip("2001:db8:1::").span());
  m.attr_u32(RTA_OIF, 2);
  auto r = parse_route(m.header());
  CHECK_FALSE(r.is_default());
  CHECK(r.destination.to_string() == "2001:db8:1::/48");
  CHECK(r.table == RT_TABLE_MAIN);
  CHECK_FALSE(r.gateway);
  CHECK_FALSE(r.onlink);
  CHECK(to_string(r) == "2001:db8:1::/48 dev index 2");
  CHECK(route_protocol_name(r.protocol) == "kernel");
}

TEST_CASE("default_route takes its family from the gateway") {
  auto r = default_route(ip("2001:db8::1"), 4);
  CHECK(r.family() == AF_INET6);
  CHECK(r.is_default());
  CHECK(r.oif == 4);
  CHECK(to_string(r) == "default (IPv6) via 2001:db8::1 dev index 4");
  CHECK(to_string(default_route(ip("192.0.2.1"))) == "default via 192.0.2.1");
}

TEST_CASE("macvlan modes parse and print back") {
  for (const char* name : {"private", "vepa", "bridge", "passthru", "source"}) {
    auto mode = parse_macvlan_mode(name);
    REQUIRE(mode);
    CHECK(to_string(*mode) == name);
  }
  CHECK(static_cast<uint32_t>(*parse_macvlan_mode("private")) == MACVLAN_MODE_PRIVATE);
  CHECK(static_cast<uint32_t>(*parse_macvlan_mode("passthru")) == MACVLAN_MODE_PASSTHRU);
  auto bad = parse_macvlan_mode("Bridge");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "unknown macvlan mode \"Bridge\": Invalid argument");
}

TEST_CASE("kernel constants have their usual names") {
  CHECK(scope_name(RT_SCOPE_LINK) == "link");
  CHECK(scope_name(RT_SCOPE_UNIVERSE) == "global");
  CHECK(operstate_name(IF_OPER_UP) == "up");
  CHECK(family_name(AF_INET6) == "inet6");
}
