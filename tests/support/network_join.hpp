// Containers joining managed networks at the netns level (netns/device_network.hpp), for
// the tests of networks, their pools and their DNS: a network definition by hand, a
// member's namespace and journal, join and leave.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "netns/network_config.hpp"
#include "netns/packet_filter.hpp"
#include "netns/sysctl.hpp"
#include "support/apply_helpers.hpp"

namespace mr::test {

// The packet filter of the netns-level tests: what a join and a leave asked of it. The
// real one (firewall/, nftables) acts in the calling thread's namespace, which here is
// the machine's own: the firewall's tests and the runtime's drive it in a sandbox.
struct RecordingFilter : netns::PacketFilter {
  std::mutex lock;  // containers join from several threads at once
  std::vector<netns::FilterRules> added;
  std::vector<std::pair<netns::FilterRules, bool>> removed;
  Result<void> add(const netns::FilterRules& r) override {
    std::lock_guard hold(lock);
    added.push_back(r);
    return {};
  }
  Result<void> remove(const netns::FilterRules& r, bool last) override {
    std::lock_guard hold(lock);
    removed.push_back({r, last});
    return {};
  }
};

// The sandbox's forwarding as a fresh host has it, whatever this machine has (new
// namespaces inherit it from the machine's, which a host that ran Docker has on).
inline void forwarding_off(Sandbox& sb) {
  MUST(netns::write_sysctl(sb.host().ns, "net.ipv4.ip_forward", "0"));
  MUST(netns::write_sysctl(sb.host().ns, "net.ipv6.conf.all.forwarding", "0"));
}

// The recording filter, installed for the test process.
inline RecordingFilter& recording_filter() {
  static RecordingFilter filter;
  netns::install_packet_filter(&filter);
  return filter;
}

// The network "web": dual stack, the pool's own bridge.
inline netns::NetworkDevice web(const std::string& pool_dir) {
  return {.network = "web",
          .network_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
          .bridge = "mr-web",
          .subnets = {{.subnet = prefix("10.89.1.0/24"), .gateway = ip("10.89.1.1")},
                      {.subnet = prefix("fd00:89:1::/64"), .gateway = ip("fd00:89:1::1")}},
          .pool_dir = pool_dir};
}

inline netns::NetConfig joining(const netns::NetworkDevice& n, const std::string& name = "eth0") {
  netns::NetConfig cfg;
  cfg.devices.push_back({.name = name, .kind = n, .origin = "net.json#/devices/0"});
  return cfg;
}

// A container of the test: its namespace and journal.
struct Member {
  Space ctr;
  netns::Journal journal;
  std::string id;
};

inline Member member(Sandbox& sb, TempDir& dir, const std::string& id) {
  return {sb.child(), MUST(netns::Journal::open(dir.file(id + ".journal"))), id};
}

inline Result<netns::AppliedNetwork> join(Sandbox& sb, Member& m, const netns::NetConfig& cfg) {
  recording_filter();
  auto t = targets(sb, m.ctr, m.id);
  return netns::apply(cfg, t, m.journal);
}

inline void leave(Sandbox& sb, Member& m) {
  recording_filter();
  auto u = undo_targets(sb, &m.ctr);
  auto report = MUST(netns::undo(m.journal, u));
  CHECK(report.warnings.empty());
}

inline std::vector<std::string> pool_files(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mr::test
