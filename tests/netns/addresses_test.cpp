#include <doctest/doctest.h>
#include <linux/if_addr.h>

#include "support/net_devices_host.hpp"
#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

}  // namespace

TEST_CASE("IPv4 and IPv6 addresses are added, listed per link and family, and deleted") {
  Sandbox sb;
  auto nic0 = sb.veth("nic0", "wire0");
  auto nic1 = sb.veth("nic1", "wire1");
  auto& nl = sb.host().nl;
  MUST(add_address(nl, nic0.index, prefix("192.0.2.10/24")));
  MUST(add_address(nl, nic0.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  MUST(add_address(nl, nic1.index, prefix("198.51.100.7/25")));

  auto v4 = sb.host().addresses(nic0.index, AF_INET);
  CHECK(v4 == std::vector<std::string>{"192.0.2.10/24"});
  auto v6 = MUST(list_addresses(nl, nic0.index, AF_INET6));
  auto v6_texts = prefix_texts(v6);
  CHECK(contains(v6_texts, "2001:db8::10/64"));
  for (auto& a : v6) CHECK(a.index == nic0.index);
  auto global = std::find_if(v6.begin(), v6.end(), [](auto& a) { return a.prefix.to_string() == "2001:db8::10/64"; });
  REQUIRE(global != v6.end());
  CHECK(global->permanent());
  CHECK((global->flags & IFA_F_NODAD) != 0);
  CHECK(sb.host().addresses(nic1.index, AF_INET) == std::vector<std::string>{"198.51.100.7/25"});
  auto all = prefix_texts(MUST(list_addresses(nl)));
  CHECK(contains(all, "192.0.2.10/24"));
  CHECK(contains(all, "198.51.100.7/25"));
  CHECK(contains(all, "127.0.0.1/8"));

  MUST(delete_address(nl, nic0.index, prefix("192.0.2.10/24")));
  MUST(delete_address(nl, nic0.index, prefix("2001:db8::10/64")));
  CHECK(sb.host().addresses(nic0.index, AF_INET).empty());
  CHECK_FALSE(contains(sb.host().addresses(nic0.index, AF_INET6), "2001:db8::10/64"));
  CHECK(sb.host().addresses(nic1.index, AF_INET) == std::vector<std::string>{"198.51.100.7/25"});
}

TEST_CASE("an IPv4 address keeps its broadcast and scope") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24"),
                   {.scope = RT_SCOPE_LINK, .broadcast = *IpAddress::parse("192.0.2.255")}));
  auto list = MUST(list_addresses(sb.host().nl, nic.index, AF_INET));
  REQUIRE(list.size() == 1);
  CHECK(list[0].scope == RT_SCOPE_LINK);
  REQUIRE(list[0].broadcast);
  CHECK(list[0].broadcast->to_string() == "192.0.2.255");
  CHECK(list[0].options().scope == RT_SCOPE_LINK);
  CHECK(list[0].options().broadcast == list[0].broadcast);
}

TEST_CASE("capture_addresses keeps what can be put back and skips what the kernel makes again") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  auto& nl = sb.host().nl;
  MUST(add_address(nl, nic.index, prefix("192.0.2.10/24")));
  MUST(add_address(nl, nic.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  MUST(add_address(nl, nic.index, prefix("fe80::10/64"), {.no_dad = true}));
  // One added with a lifetime, and one as the kernel makes from a router advertisement
  // (addrconf_prefix_rcv_add_addr(): IFA_PROTO kernel_ra, a lifetime), which it makes
  // again from the next one.
  MUST(add_address(nl, nic.index, prefix("2001:db8:6::10/64"), {.no_dad = true, .valid_lft = 600, .preferred_lft = 600}));
  MUST(add_address(nl, nic.index, prefix("2001:db8:5::10/64"),
                   {.no_dad = true, .proto = IFAPROT_KERNEL_RA, .valid_lft = 600, .preferred_lft = 600}));
  REQUIRE(contains(sb.host().addresses(nic.index), "fe80::10/64"));
  REQUIRE(contains(sb.host().addresses(nic.index), "2001:db8:5::10/64"));
  auto captured = prefix_texts(MUST(capture_addresses(nl, nic.index)));
  std::sort(captured.begin(), captured.end());
  CHECK(captured == std::vector<std::string>{"192.0.2.10/24", "2001:db8:6::10/64", "2001:db8::10/64"});
}

TEST_CASE("a netDevice keeps only permanent global addresses, keepAddresses whatever teardown gives back") {
  Sandbox sb;
  lend_net_device(sb);
  auto captured = MUST(capture_addresses(sb.host().nl, sb.host().link("nic0").index));
  auto all = prefix_texts(captured);
  std::sort(all.begin(), all.end());
  // Every scope and lifetime but IPv6 link-local: an address added with a lifetime, as
  // a DHCP client does, is not the kernel's to make again (its IFA_PROTO is not kernel_ra).
  CHECK(all == std::vector<std::string>{"10.1.0.2/24", "10.2.0.2/24", "192.0.2.10/24", "198.51.100.2/24",
                                        "2001:db8:1::10/64", "2001:db8::10/64"});
  std::erase_if(captured, [](const AddressInfo& a) { return !is_permanent_global(a); });
  auto kept = prefix_texts(captured);
  std::sort(kept.begin(), kept.end());
  CHECK(kept == std::vector<std::string>{"192.0.2.10/24", "2001:db8::10/64"});
}

TEST_CASE("a plain move loses the link's addresses: the kernel flushes them") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  MUST(add_address(sb.host().nl, nic.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  REQUIRE(sb.host().addresses(nic.index).size() >= 2);
  auto ctr = sb.child();
  MUST(move_link(sb.host().nl, nic.index, ctr.ns, "eth0"));
  auto eth0 = ctr.link("eth0");
  CHECK(ctr.addresses(eth0.index).empty());
  // Not left behind in the host either.
  CHECK_FALSE(contains(sb.host().addresses(0), "192.0.2.10/24"));
}

TEST_CASE("move_link_keep_addresses carries the addresses over") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(add_address(sb.host().nl, nic.index, prefix("192.0.2.10/24")));
  MUST(add_address(sb.host().nl, nic.index, prefix("2001:db8::10/64"), {.no_dad = true}));
  MUST(add_address(sb.host().nl, nic.index, prefix("fe80::10/64"), {.no_dad = true}));
  auto ctr = sb.child();
  auto carried = MUST(move_link_keep_addresses(sb.host().nl, nic.index, ctr.ns, ctr.nl));
  CHECK(carried.size() == 2);
  CHECK_FALSE(sb.host().has_link("nic0"));
  auto moved = ctr.link("nic0");  // no new name: it keeps its own
  for (auto& a : carried) CHECK(a.index == moved.index);
  auto there = ctr.addresses(moved.index);
  CHECK(contains(there, "192.0.2.10/24"));
  CHECK(contains(there, "2001:db8::10/64"));
  CHECK_FALSE(contains(there, "fe80::10/64"));
}
