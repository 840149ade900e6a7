#include "network/join_check.hpp"

#include "netns/address_pool.hpp"
#include "network/network_resolve.hpp"
#include "network/service.hpp"

namespace mr::network {

Result<void> check_can_join(const std::string& network_dir, const std::string& network) {
  netns::DeviceConfig d{.name = "eth0", .kind = netns::NetworkDevice{.network = network}};
  auto host = MR_TRY_VALUE(open_host());
  MR_TRY(resolve_network_device(d, network_dir, host));
  const auto& n = std::get<netns::NetworkDevice>(d.kind);
  // No pool yet: nobody joined, every address is free.
  auto pool = MR_TRY_VALUE(netns::AddressPool::lock_existing(n.pool_dir));
  if (!pool) return {};
  for (const auto& s : n.subnets) MR_TRY(pool->pick(s, n.network));
  return {};
}

}  // namespace mr::network
