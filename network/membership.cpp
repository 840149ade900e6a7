#include "network/membership.hpp"

#include "base/log.hpp"
#include "netns/journal.hpp"
#include "network/host_firewall.hpp"

namespace mr::network {

void announce_join(netns::NlSocket& host, const netns::NetworkDevice& n) {
  if (!n.internal) warn_if_forward_dropped(n.network);
  if (!n.dns) return;
  DnsNetwork dns{.name = n.network, .pool_dir = n.pool_dir};
  for (const auto& s : n.subnets) dns.gateways.push_back(s.gateway);
  if (auto r = refresh_dns(host, dns); !r) log_warn("network " + n.network + ": names: " + r.error().message());
}

std::vector<DnsNetwork> joined_networks(const netns::ContainerNetworkDir& where) {
  std::vector<DnsNetwork> out;
  auto journal = netns::Journal::open(where.journal_path());
  if (!journal) return out;
  for (const auto& e : journal->entries())
    if (auto* leave = std::get_if<netns::LeaveNetwork>(&e.step)) out.push_back({leave->network, leave->pool_dir, {}});
  return out;
}

std::vector<std::string> announce_leave(const std::vector<DnsNetwork>& networks) {
  std::vector<std::string> warnings;
  if (networks.empty()) return warnings;
  auto host = netns::NlSocket::open();
  if (!host) return {"names: " + host.error().message()};
  for (const auto& n : networks)
    if (auto r = refresh_dns(*host, n); !r) warnings.push_back("network " + n.name + ": names: " + r.error().message());
  return warnings;
}

}  // namespace mr::network
