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

}  // namespace mr::test
