#include <doctest/doctest.h>

#include <cstdio>

#include "base/fnv.hpp"
#include "netns/journal_format.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

ReturnLink sample_return() {
  ReturnLink r;
  r.ctr_name = "eth%d";
  r.ctr_index = 7;
  r.host_name = "nic 0%;=x";  // every byte the format must escape
  r.host_index = 7;
  r.kind = "veth";
  r.mtu = 1400;
  r.mac = *MacAddress::parse("02:00:00:00:00:01");
  r.up = true;
  AddressInfo a;
  a.prefix = *IpPrefix::parse("192.0.2.10/24");
  a.flags = 0x80;
  a.broadcast = *IpAddress::parse("192.0.2.255");
  r.addresses.push_back(a);
  AddressInfo b;
  b.prefix = *IpPrefix::parse("2001:db8::10/64");
  b.flags = 0x82;
  r.addresses.push_back(b);
  Route rt;
  rt.destination = *IpPrefix::parse("198.51.100.0/24");
  rt.gateway = *IpAddress::parse("192.0.2.1");
  rt.metric = 10;
  rt.onlink = true;
  r.routes.push_back(rt);
  return r;
}

}  // namespace

TEST_CASE("every journal record reads back as written") {
  auto line = encode_journal_line(StepRecord{3, sample_return()});
  CHECK(line.ends_with("\n"));
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  auto back = decode_journal_line(std::string_view(line).substr(0, line.size() - 1));
  REQUIRE(back);
  auto& rec = std::get<StepRecord>(*back);
  CHECK(rec.seq == 3);
  auto& r = std::get<ReturnLink>(rec.step);
  auto want = sample_return();
  CHECK(r.ctr_name == want.ctr_name);
  CHECK(r.host_name == want.host_name);
  CHECK(r.ctr_index == 7);
  CHECK(r.kind == "veth");
  CHECK(r.mtu == 1400);
  CHECK(r.mac == want.mac);
  CHECK(r.up);
  REQUIRE(r.addresses.size() == 2);
  CHECK(r.addresses[0].prefix == want.addresses[0].prefix);
  CHECK(r.addresses[0].broadcast == want.addresses[0].broadcast);
  CHECK(r.addresses[1].flags == 0x82);
  CHECK(r.addresses[1].index == 7);
  REQUIRE(r.routes.size() == 1);
  CHECK(r.routes[0].gateway == want.routes[0].gateway);
  CHECK(r.routes[0].destination == want.routes[0].destination);
  CHECK(r.routes[0].onlink);
  CHECK(r.routes[0].metric == 10);

  for (JournalLine l : {JournalLine(StepRecord{4, DeleteVeth{"mr0123abcd-3", "eth1"}}),
                        JournalLine(StepRecord{5, DeleteMacvlan{"mv0"}}), JournalLine(Arrived{1, "eth0"}),
                        JournalLine(Done{4})}) {
    auto text = encode_journal_line(l);
    auto decoded = decode_journal_line(std::string_view(text).substr(0, text.size() - 1));
    REQUIRE(decoded);
    CHECK(encode_journal_line(*decoded) == text);
  }
}

TEST_CASE("damaged journal lines are refused with the reason") {
  auto text = encode_journal_line(StepRecord{1, DeleteVeth{"mrhost-0", "eth0"}});
  std::string line = text.substr(0, text.size() - 1);
  auto flipped = line;
  flipped[flipped.size() - 2] ^= 1;
  auto r = decode_journal_line(flipped);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("checksum") != std::string::npos);
  CHECK_FALSE(decode_journal_line(line.substr(0, line.size() - 3)));  // cut short
  CHECK_FALSE(decode_journal_line(""));
  CHECK_FALSE(decode_journal_line("veth seq=1 host=a ctr=b"));  // no checksum
}

TEST_CASE("a well-formed line with wrong fields is refused") {
  // Lines with a correct checksum but a body this version cannot use.
  auto sum = [](std::string body) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", fnv1a(body));
    return std::string(buf) + " " + body;
  };
  CHECK(decode_journal_line(sum("done seq=1")));
  for (const char* bad : {"explode seq=1", "done", "done seq=x", "veth seq=1 host=a", "done seq=1 seq=2",
                          "macvlan seq=1 ctr=a%2", "return seq=1 ctr=a ctr_index=0 host=b host_index=1 kind=- mtu=1 mac=- up=1"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_journal_line(sum(bad)));
  }
}

TEST_CASE("a lent device's proof and a macvlan's parent read back as written") {
  auto round_trip = [](const JournalLine& l) {
    auto text = encode_journal_line(l);
    auto decoded = decode_journal_line(std::string_view(text).substr(0, text.size() - 1));
    REQUIRE(decoded);
    CHECK(encode_journal_line(*decoded) == text);
    return *decoded;
  };
  auto veth = sample_return();
  veth.proof = {.kind = LinkProof::Kind::veth, .peer_index = 3, .peer_nsid = -1};
  auto hw = sample_return();
  hw.proof = {.kind = LinkProof::Kind::hardware, .perm_mac = *MacAddress::parse("52:54:00:12:34:56"),
              .parent_dev = "0000:00:03.0", .parent_bus = "pci"};
  auto lower = sample_return();
  lower.proof = {.kind = LinkProof::Kind::lower, .peer_index = 9};
  auto elsewhere = sample_return();
  elsewhere.proof = {.kind = LinkProof::Kind::veth, .peer_index = 12, .peer_nsid = 4};
  for (const auto& r : {veth, hw, lower, elsewhere}) {
    auto back = round_trip(StepRecord{2, r});
    CHECK(std::get<ReturnLink>(std::get<StepRecord>(back).step).proof == r.proof);
  }
  auto mv = round_trip(StepRecord{6, DeleteMacvlan{"mv0", "nic 2", 5}});
  auto& m = std::get<DeleteMacvlan>(std::get<StepRecord>(mv).step);
  CHECK(m.parent == "nic 2");
  CHECK(m.parent_index == 5);
}

TEST_CASE("records written before proofs were read back without one") {
  auto sum = [](std::string body) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", fnv1a(body));
    return std::string(buf) + " " + body;
  };
  auto old = decode_journal_line(
      sum("return seq=1 ctr=eth0 ctr_index=7 host=nic0 host_index=7 kind=veth mtu=1500 mac=- up=1"));
  REQUIRE(old);
  CHECK(std::get<ReturnLink>(std::get<StepRecord>(*old).step).proof.kind == LinkProof::Kind::none);
  auto mv = decode_journal_line(sum("macvlan seq=2 ctr=mv0"));
  REQUIRE(mv);
  CHECK(std::get<DeleteMacvlan>(std::get<StepRecord>(*mv).step).parent_index == 0);
  for (const char* bad : {"return seq=1 ctr=a ctr_index=1 host=b host_index=1 kind=- mtu=1 mac=- up=1 proof=magic",
                          "return seq=1 ctr=a ctr_index=1 host=b host_index=1 kind=- mtu=1 mac=- up=1 proof=veth peer=0 peer_nsid=-1",
                          "return seq=1 ctr=a ctr_index=1 host=b host_index=1 kind=- mtu=1 mac=- up=1 proof=veth peer=3",
                          "return seq=1 ctr=a ctr_index=1 host=b host_index=1 kind=- mtu=1 mac=- up=1 proof=hardware perm=- pdev= pbus=",
                          "macvlan seq=1 ctr=a parent=b parent_index=0"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_journal_line(sum(bad)));
  }
}
