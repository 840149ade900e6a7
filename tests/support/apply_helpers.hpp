// Shared pieces of the apply/undo integration tests: the ApplyTargets of a sandbox.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "netns/apply.hpp"
#include "netns/journal.hpp"
#include "netns/teardown.hpp"
#include "support/sandbox.hpp"
#include "support/udp.hpp"

namespace mr::test {

inline netns::ApplyTargets targets(Sandbox& sb, Space& ctr, std::string id = "ctr-1") {
  return {sb.host().nl, sb.host().ns, ctr.ns, ctr.nl, std::move(id)};
}

inline netns::UndoTargets undo_targets(Sandbox& sb, Space* ctr) {
  return {.host = sb.host().nl, .host_ns = sb.host().ns, .container = ctr ? &ctr->ns : nullptr};
}


inline netns::IpPrefix prefix(const char* text) { return MUST(netns::IpPrefix::parse(text)); }
inline netns::IpAddress ip(const char* text) { return MUST(netns::IpAddress::parse(text)); }
inline netns::MacAddress mac(const char* text) { return MUST(netns::MacAddress::parse(text)); }

inline bool has_address(const netns::NetnsSnapshot& snap, int index, const std::string& p) {
  auto addrs = snap.addresses_of(index);
  return std::any_of(addrs.begin(), addrs.end(), [&](const netns::AddressInfo& a) { return a.prefix.to_string() == p; });
}

// The host's nic0 arrived in `ctr` as eth0, the same device (`index`), up, with
// 10.0.0.1/24 and fd00::1/64 but not the host's 198.51.100.1/24, gone from `host`, and
// carries UDP both ways to its wire's end wire0 in `peer` (10.0.0.2, fd00::2).
inline void check_nic0_attached_as_eth0(Space& host, Space& ctr, Space& peer, int index) {
  CHECK_FALSE(host.has_link("nic0"));
  auto eth0 = ctr.link("eth0");
  CHECK(eth0.index == index);  // the host's device itself, not a copy
  CHECK(eth0.up());
  auto addrs = ctr.addresses(eth0.index);
  CHECK(contains(addrs, "10.0.0.1/24"));
  CHECK(contains(addrs, "fd00::1/64"));
  CHECK_FALSE(contains(addrs, "198.51.100.1/24"));  // the host's address stays behind

  ctr.wait_oper_up("eth0");
  peer.wait_oper_up("wire0");
  check_udp(ctr, ip("10.0.0.1"), peer, ip("10.0.0.2"));
  check_udp(peer, ip("fd00::2"), ctr, ip("fd00::1"));
}

}  // namespace mr::test
