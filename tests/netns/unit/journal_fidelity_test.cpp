// The journal's record of what a move takes from a host device besides its name, MTU
// and MAC (netns/link_config.hpp): every field reads back as written, and a record of
// the version before these fields still reads, with what that version restored.
#include <doctest/doctest.h>

#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstdio>

#include "base/fnv.hpp"
#include "netns/journal_format.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

std::string with_checksum(const std::string& body) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", fnv1a(body));
  return std::string(buf) + " " + body;
}

ReturnLink full_return() {
  ReturnLink r;
  r.ctr_name = "eth0";
  r.ctr_index = 9;
  r.host_name = "nic0";
  r.host_index = 7;
  r.kind = "veth";
  r.mtu = 1500;
  r.up = true;
  AddressInfo peer;
  peer.prefix = prefix("10.20.0.1/32");
  peer.peer = ip("10.20.0.2");
  peer.flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE;
  peer.label = "nic0:p;1,%";  // the sub-field separators and the escape byte
  peer.rt_priority = 50;
  peer.proto = 99;
  r.addresses.push_back(peer);
  AddressInfo expiring;
  expiring.prefix = prefix("2001:db8:1::10/64");
  expiring.flags = IFA_F_NODAD | IFA_F_MANAGETEMPADDR;
  expiring.valid_lft = 3600;
  expiring.preferred_lft = 0;
  r.addresses.push_back(expiring);

  Route table100;
  table100.destination = prefix("10.9.0.0/16");
  table100.gateway = ip("192.0.2.99");
  table100.table = 100;
  table100.metric = 20;
  table100.protocol = RTPROT_STATIC;
  table100.scope = RT_SCOPE_UNIVERSE;
  table100.type = RTN_UNICAST;
  table100.tos = 0x10;
  table100.metrics = {{RTAX_MTU, 1400}, {RTAX_ADVMSS, 1360}};
  table100.congctl = "re;no";
  r.routes.push_back(table100);
  Route multipath;
  multipath.destination = prefix("2001:db8:30::/48");
  multipath.table = 1000;
  multipath.protocol = RTPROT_BOOT;
  multipath.pref = 1;
  multipath.from = prefix("2001:db8:40::/56");
  multipath.nexthops = {{ip("2001:db8:1::1"), 7, RTNH_F_ONLINK, 1}, {std::nullopt, 12, 0, 200}};
  r.routes.push_back(multipath);

  r.master = MasterLink{5, "br 0;x", "bridge"};
  r.neighbours = {{ip("192.0.2.77"), {2, 0, 0, 0, 0, 0x77}, NUD_PERMANENT, 0},
                  {ip("2001:db8:1::77"), {}, NUD_NOARP, NTF_ROUTER},
                  {ip("192.0.2.88"), {}, 0, NTF_PROXY}};
  r.sysctls.ipv4 = {1, 0, 2, -1};
  r.sysctls.ipv6 = {0, 64, 1500, 0};
  r.clock = LifetimeClock{"0b6e0bde-5c5f-4d26-9a3b-0d6b2f0c8e1f", 12345};
  return r;
}

ReturnLink round_trip(const ReturnLink& r, std::string* text = nullptr) {
  auto line = encode_journal_line(StepRecord{1, r});
  if (text) *text = line;
  auto back = decode_journal_line(std::string_view(line).substr(0, line.size() - 1));
  REQUIRE(back);
  CHECK(encode_journal_line(*back) == line);
  return std::get<ReturnLink>(std::get<StepRecord>(*back).step);
}

}  // namespace

TEST_CASE("a ReturnLink's addresses read back with peer, label, flags, priority, protocol and lifetimes") {
  auto back = round_trip(full_return());
  REQUIRE(back.addresses.size() == 2);
  const auto& p = back.addresses[0];
  CHECK(p.prefix.to_string() == "10.20.0.1/32");
  REQUIRE(p.peer);
  CHECK(p.peer->to_string() == "10.20.0.2");
  CHECK(p.label == "nic0:p;1,%");
  CHECK(p.flags == (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE));
  CHECK(p.rt_priority == 50);
  CHECK(p.proto == 99);
  CHECK(p.valid_lft == kForever);
  CHECK(p.preferred_lft == kForever);
  const auto& e = back.addresses[1];
  CHECK_FALSE(e.peer);
  CHECK(e.label.empty());
  CHECK(e.valid_lft == 3600);
  CHECK(e.preferred_lft == 0);
  CHECK(e.flags == (IFA_F_NODAD | IFA_F_MANAGETEMPADDR));
  REQUIRE(back.clock);
  CHECK(back.clock->boot_id == "0b6e0bde-5c5f-4d26-9a3b-0d6b2f0c8e1f");
  CHECK(back.clock->seconds == 12345);
}

TEST_CASE("a ReturnLink's routes read back with table, protocol, metrics and nexthops") {
  auto back = round_trip(full_return());
  REQUIRE(back.routes.size() == 2);
  const auto& t = back.routes[0];
  CHECK(t.table == 100);
  CHECK(t.metric == 20);
  CHECK(t.protocol == RTPROT_STATIC);
  CHECK(t.tos == 0x10);
  REQUIRE(t.metrics.size() == 2);
  CHECK(t.metrics[0].type == RTAX_MTU);
  CHECK(t.metrics[0].value == 1400);
  CHECK(t.metrics[1].type == RTAX_ADVMSS);
  CHECK(t.congctl == "re;no");
  CHECK_FALSE(t.pref);
  CHECK_FALSE(t.from);
  CHECK(t.nexthops.empty());
  const auto& m = back.routes[1];
  CHECK(m.table == 1000);
  CHECK(m.pref == 1);
  REQUIRE(m.from);
  CHECK(m.from->to_string() == "2001:db8:40::/56");
  REQUIRE(m.nexthops.size() == 2);
  CHECK(m.nexthops[0].gateway == ip("2001:db8:1::1"));
  CHECK(m.nexthops[0].ifindex == 7);
  CHECK(m.nexthops[0].flags == RTNH_F_ONLINK);
  CHECK(m.nexthops[0].weight == 1);
  CHECK_FALSE(m.nexthops[1].gateway);
  CHECK(m.nexthops[1].ifindex == 12);
  CHECK(m.nexthops[1].weight == 200);
}

TEST_CASE("a ReturnLink's master, neighbours and sysctls read back") {
  auto back = round_trip(full_return());
  REQUIRE(back.master);
  CHECK(back.master->index == 5);
  CHECK(back.master->name == "br 0;x");
  CHECK(back.master->kind == "bridge");
  REQUIRE(back.neighbours.size() == 3);
  CHECK(back.neighbours[0].destination == ip("192.0.2.77"));
  CHECK(back.neighbours[0].lladdr == std::vector<uint8_t>{2, 0, 0, 0, 0, 0x77});
  CHECK(back.neighbours[0].state == NUD_PERMANENT);
  CHECK(back.neighbours[1].lladdr.empty());
  CHECK(back.neighbours[1].state == NUD_NOARP);
  CHECK(back.neighbours[1].flags == NTF_ROUTER);
  CHECK(back.neighbours[2].proxy());
  CHECK(back.sysctls.ipv4 == std::vector<int32_t>{1, 0, 2, -1});
  CHECK(back.sysctls.ipv6 == std::vector<int32_t>{0, 64, 1500, 0});
}

TEST_CASE("a ReturnLink without what a move loses writes none of the new fields") {
  ReturnLink r = full_return();
  r.master.reset();
  r.neighbours.clear();
  r.sysctls = {};
  r.clock.reset();
  std::string line;
  auto back = round_trip(r, &line);
  for (const char* key : {" master=", " neigh=", " conf4=", " conf6=", " clock="}) CHECK(line.find(key) == std::string::npos);
  CHECK_FALSE(back.master);
  CHECK(back.neighbours.empty());
  CHECK(back.sysctls.empty());
  CHECK_FALSE(back.clock);
}

TEST_CASE("a record of the first journal version still reads, as that version restored it") {
  // As mini-runc wrote it before routes, addresses and the rest had more to them:
  // four address sub-fields, six route sub-fields, nothing else.
  auto line = with_checksum(
      "return seq=1 ctr=eth0 ctr_index=9 host=nic0 host_index=7 kind=veth mtu=1500 mac=02:00:00:00:00:01 up=1 "
      "addr=198.51.100.2/24%3B0%3B0%3B198.51.100.255 addr=2001:db8::10/64%3B0%3B130%3B- "
      "route=203.0.113.0/24%3B-%3B0%3B0%3B254%3B- route=0.0.0.0/0%3B198.51.100.1%3B0%3B100%3B254%3B-");
  auto decoded = decode_journal_line(line);
  REQUIRE(decoded);
  auto& r = std::get<ReturnLink>(std::get<StepRecord>(*decoded).step);
  REQUIRE(r.addresses.size() == 2);
  // Finite then, it had no lifetime recorded: it goes back as that version put it back.
  CHECK(r.addresses[0].valid_lft == kForever);
  CHECK_FALSE(r.addresses[0].peer);
  CHECK(r.addresses[0].label.empty());
  CHECK(r.addresses[1].flags == 130);
  REQUIRE(r.routes.size() == 2);
  // Version 1 added an on-link IPv4 route with scope link, any other with universe,
  // both as boot-protocol unicast routes of the main table.
  CHECK(r.routes[0].scope == RT_SCOPE_LINK);
  CHECK(r.routes[1].scope == RT_SCOPE_UNIVERSE);
  for (const auto& rt : r.routes) {
    CHECK(rt.protocol == RTPROT_BOOT);
    CHECK(rt.type == RTN_UNICAST);
    CHECK(rt.table == RT_TABLE_MAIN);
    CHECK(rt.oif == 7);
    CHECK(rt.nexthops.empty());
  }
  CHECK(r.routes[1].metric == 100);
  CHECK_FALSE(r.master);
  CHECK(r.neighbours.empty());
  CHECK(r.sysctls.empty());
  CHECK_FALSE(r.clock);
}

TEST_CASE("damaged fields of what a move loses are refused") {
  std::string head = "return seq=1 ctr=eth0 ctr_index=9 host=nic0 host_index=7 kind=veth mtu=1500 mac=- up=1";
  CHECK(decode_journal_line(with_checksum(head)));
  for (const char* bad : {
           " addr=10.0.0.1/24%3B0%3B0%3B-%3B-",                                    // neither 4 nor 10 parts
           " addr=10.0.0.1/24%3B0%3B0%3B-%3B-%3B%2501%3B0%3B0%3B-%3B-",           // control byte in a label
           " addr=10.0.0.1/24%3B0%3B0%3B-%3B-%3B%3B0%3B0%3Bsoon%3B-",             // lifetime not a number
           " route=10.0.0.0/8%3B-%3B0%3B0%3B254%3B-%3B4%3B0%3B1%3B0%3B-%3B-%3B%3B%3B-/3/0/0",  // weight 0
           " route=10.0.0.0/8%3B-%3B0%3B0%3B254%3B-%3B4%3B0%3B1%3B0%3B-%3B-%3B%3B%3B2001:db8::1/3/0/1",  // mixed families
           " route=10.0.0.0/8%3B-%3B0%3B0%3B254%3B-%3B4%3B0%3B1%3B0%3B-%3B-%3B2%3B%3B",  // metric without a value
           " master=0%3Bbridge%3Bbr0",                                             // no ifindex
           " master=5%3Bbridge%3Bbr0 master=6%3Bbridge%3Bbr1",                      // twice
           " neigh=192.0.2.1%3B2:0%3B128%3B0",                                     // one-digit byte
           " neigh=192.0.2.1%3B02:00%3B128",                                       // three parts
           " conf4=1,,2",                                                           // empty value
           " conf6=1,x",                                                            // not a number
           " clock=abc",                                                            // no seconds
       }) {
    CAPTURE(bad);
    CHECK_FALSE(decode_journal_line(with_checksum(head + bad)));
  }
}
