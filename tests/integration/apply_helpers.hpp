// Shared pieces of the apply/undo integration tests: a temporary journal directory, the
// ApplyTargets of a sandbox, and a canonical text of a "host" namespace to compare
// before and after.
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

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/mr-apply-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline netns::ApplyTargets targets(Sandbox& sb, Space& ctr, std::string id = "ctr-1") {
  return {sb.host().nl, sb.host().ns, ctr.ns, ctr.nl, std::move(id)};
}

inline netns::UndoTargets undo_targets(Sandbox& sb, Space* ctr) {
  return {.host = sb.host().nl, .host_ns = sb.host().ns, .container = ctr ? &ctr->ns : nullptr};
}

// Everything the tests compare on a host: links by name (kind, MTU, MAC, up, master),
// their addresses and the main table's routes, by link name, sorted. Left out: what the
// kernel makes by itself and at its own pace after a link comes up (IPv6 link-local
// addresses and their fe80::/64 routes, configured from the linkwatch work queue).
inline std::string host_state(Space& s) {
  auto snap = s.snapshot();
  auto name_of = [&](int index) -> std::string {
    const netns::LinkInfo* l = snap.link(index);
    return l ? l->name : index ? "#" + std::to_string(index) : "-";
  };
  std::vector<std::string> lines;
  for (const auto& l : snap.links) {
    std::ostringstream o;
    o << "link " << l.name << " kind=" << l.kind << " mtu=" << l.mtu << " mac=" << (l.mac ? l.mac->to_string() : "-")
      << " up=" << l.up() << " master=" << name_of(l.master);
    lines.push_back(o.str());
  }
  for (const auto& a : snap.addresses) {
    if (a.prefix.address.is_ipv6_link_local()) continue;
    lines.push_back("addr " + name_of(a.index) + " " + a.prefix.to_string());
  }
  for (const auto& r : snap.routes) {
    if (r.family() == AF_INET6 && r.destination.address.is_ipv6_link_local()) continue;
    std::ostringstream o;
    o << "route " << netns::to_string(r) << " dev=" << name_of(r.oif) << " proto=" << int(r.protocol)
      << " metric=" << r.metric;
    std::string line = o.str();
    // to_string() names the index; the device name above is what must match.
    auto at = line.find(" dev index ");
    if (at != std::string::npos) line.erase(at, line.find(' ', at + 11) - at);
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

inline netns::IpPrefix prefix(const char* text) { return MUST(netns::IpPrefix::parse(text)); }
inline netns::IpAddress ip(const char* text) { return MUST(netns::IpAddress::parse(text)); }
inline netns::MacAddress mac(const char* text) { return MUST(netns::MacAddress::parse(text)); }

inline bool has_address(const netns::NetnsSnapshot& snap, int index, const std::string& p) {
  auto addrs = snap.addresses_of(index);
  return std::any_of(addrs.begin(), addrs.end(), [&](const netns::AddressInfo& a) { return a.prefix.to_string() == p; });
}

}  // namespace mr::test
