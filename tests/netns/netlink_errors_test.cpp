#include <doctest/doctest.h>

#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("a missing link is ENODEV, named with its namespace") {
  Sandbox sb;
  auto r = get_link(sb.host().nl, "ghost0");
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENODEV);
  auto text = r.error().message();
  CHECK(text.find("ghost0") != std::string::npos);
  CHECK(text.find(sb.host().ns.name()) != std::string::npos);
  CHECK(text.find("No such device") != std::string::npos);
  auto by_index = get_link(sb.host().nl, 4242);
  REQUIRE_FALSE(by_index);
  CHECK(by_index.error().err == ENODEV);
  CHECK(by_index.error().message().find("4242") != std::string::npos);
  auto change = change_link(sb.host().nl, "ghost0", {.up = true});
  REQUIRE_FALSE(change);
  CHECK(change.error().err == ENODEV);
  CHECK(change.error().message().find("ghost0") != std::string::npos);
}

TEST_CASE("a request the kernel rejects carries the kernel's extended ACK text") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, *IpPrefix::parse("192.0.2.10/24")));
  // The gateway is in no prefix of the link: fib_check_nh() refuses it with a message.
  auto r = add_route(sb.host().nl, default_route(*IpAddress::parse("10.255.255.1"), nic.index));
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENETUNREACH);
  CHECK_FALSE(r.error().kernel_msg.empty());
  CHECK(r.error().message().find("(kernel: " + r.error().kernel_msg + ")") != std::string::npos);
  CHECK(r.error().message().find("add route default via 10.255.255.1") != std::string::npos);
  // An MTU above what a veth takes.
  auto mtu = set_link_mtu(sb.host().nl, nic.index, 1u << 20);
  REQUIRE_FALSE(mtu);
  CHECK(mtu.error().err == EINVAL);
  CHECK_FALSE(mtu.error().kernel_msg.empty());
  CHECK(mtu.error().message().find(mtu.error().kernel_msg) != std::string::npos);
  CHECK(sb.host().link("nic0").mtu == 1500);
}

TEST_CASE("an existing name or address is EEXIST") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  auto bridge = create_bridge(sb.host().nl, "nic0");
  REQUIRE_FALSE(bridge);
  CHECK(bridge.error().err == EEXIST);
  CHECK(bridge.error().message().find("create bridge nic0") != std::string::npos);
  CHECK(sb.host().link("nic0").kind == "veth");
  auto veth = create_veth(sb.host().nl, {.name = "nic1", .peer_name = "wire0"});
  REQUIRE_FALSE(veth);
  CHECK(veth.error().err == EEXIST);
  CHECK_FALSE(sb.host().has_link("nic1"));
  auto p = *IpPrefix::parse("192.0.2.10/24");
  MUST(add_address(sb.host().nl, nic.index, p));
  auto again = add_address(sb.host().nl, nic.index, p);
  REQUIRE_FALSE(again);
  CHECK(again.error().err == EEXIST);
  // A move onto a name the target already has.
  auto ctr = sb.child();
  sb.veth_into(ctr, "vh0", "eth0");
  auto clash = move_link(sb.host().nl, nic.index, ctr.ns, "eth0");
  REQUIRE_FALSE(clash);
  CHECK(clash.error().err == EEXIST);
  CHECK(clash.error().message().find(ctr.ns.name()) != std::string::npos);
  // The kernel moves before it renames; the failed move must not leave nic0 over there.
  CHECK(sb.host().has_link("nic0"));
  CHECK_FALSE(ctr.has_link("nic0"));
  CHECK(ctr.link("eth0").kind == "veth");
}

TEST_CASE("invalid names are refused before any request") {
  Sandbox sb;
  auto r = create_bridge(sb.host().nl, "a-name-much-too-long");
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EINVAL);
  CHECK(r.error().message().find("longer than 15 bytes") != std::string::npos);
  CHECK(get_link(sb.host().nl, "a/b").error().err == EINVAL);
}

TEST_CASE("a dump the kernel rejects carries the kernel's extended ACK text too") {
  Sandbox sb;
  nl::Message m(RTM_GETADDR, 0);
  // A strict-checking dump takes no prefix length in its header (inet_valid_dump_ifaddr_req).
  m.put(ifaddrmsg{.ifa_family = AF_INET, .ifa_prefixlen = 8});
  auto r = sb.host().nl.dump(m, [](const nlmsghdr*) {});
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EINVAL);
  CHECK_FALSE(r.error().kernel_msg.empty());
  CHECK(r.error().message().find(r.error().kernel_msg) != std::string::npos);
}
