#include "network/network_resolve.hpp"

#include <unistd.h>

#include <algorithm>

#include "netdef/network_store.hpp"
#include "netns/address_pool.hpp"
#include "netspec/origin.hpp"

namespace mr::network {

namespace {

Result<void> resolve(netns::DeviceConfig& d, netns::NetworkDevice& n, const netdef::NetworkStore& store,
                     netns::NlSocket& host) {
  if (n.network != netdef::kDefaultNetworkName && ::access(store.path_of(n.network).c_str(), F_OK) != 0)
    return std::unexpected(netspec::origin_error(
        d.origin, "/network", "unknown network \"" + n.network + "\" (no " + store.path_of(n.network) + ")"));
  auto def = MR_TRY_VALUE(store.get(n.network));
  n.network_id = def.id;
  n.bridge = def.bridge;
  n.bridge_given = def.bridge_given;
  n.internal = def.internal;
  n.dns = def.dns;
  n.mtu = def.mtu;
  n.subnets.clear();
  for (const auto& s : def.subnets) n.subnets.push_back({s.subnet, s.gateway, s.ip_range});
  for (size_t i = 0; i < n.requested.size(); ++i) {
    const auto& a = n.requested[i];
    auto in = std::count_if(n.subnets.begin(), n.subnets.end(), [&](const auto& s) { return s.subnet.contains(a); });
    if (in == 0)
      return std::unexpected(netspec::origin_error(d.origin, "/addresses/" + std::to_string(i),
                                                   "address " + a.to_string() + " is in no subnet of network " +
                                                       n.network));
    for (size_t j = 0; j < i; ++j)
      for (const auto& s : n.subnets)
        if (s.subnet.contains(a) && s.subnet.contains(n.requested[j]))
          return std::unexpected(netspec::origin_error(d.origin, "/addresses/" + std::to_string(i),
                                                       "one address per subnet of network " + n.network + " (" +
                                                           s.subnet.to_string() + " has " +
                                                           n.requested[j].to_string() + " already)"));
  }
  n.pool_dir = MR_TRY_VALUE(netns::pool_dir_of(host, n.network_id));
  return {};
}

}  // namespace

Result<void> resolve_networks(netspec::NetworkSpec& spec, const std::string& network_dir, netns::NlSocket& host) {
  netdef::NetworkStore store(network_dir);
  std::vector<netns::IpAddress> name_servers;
  for (auto& d : spec.net.devices) {
    auto* n = std::get_if<netns::NetworkDevice>(&d.kind);
    if (!n) continue;
    MR_TRY(resolve(d, *n, store, host));
    if (n->dns)
      for (const auto& s : n->subnets) name_servers.push_back(s.gateway);
  }
  // The spec's own "dns" wins; without one, the networks' servers answer.
  if (!spec.dns && !name_servers.empty()) spec.dns = netspec::DnsConfig{.nameservers = std::move(name_servers)};
  return {};
}

Result<void> resolve_network_device(netns::DeviceConfig& d, const std::string& network_dir, netns::NlSocket& host) {
  auto* n = std::get_if<netns::NetworkDevice>(&d.kind);
  if (!n) return {};
  return resolve(d, *n, netdef::NetworkStore(network_dir), host);
}

std::vector<const netns::NetworkDevice*> managed_networks(const netns::NetConfig& net) {
  std::vector<const netns::NetworkDevice*> out;
  for (const auto& d : net.devices)
    if (auto* n = std::get_if<netns::NetworkDevice>(&d.kind)) out.push_back(n);
  return out;
}

}  // namespace mr::network
