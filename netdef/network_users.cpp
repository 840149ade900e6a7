#include "netdef/network_users.hpp"

#include <algorithm>

#include "netns/address_pool.hpp"

namespace mr::netdef {

Result<std::vector<std::string>> users_of(const NetworkDef& def) {
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  auto pool = MR_TRY_VALUE(netns::AddressPool::lock_existing(MR_TRY_VALUE(netns::pool_dir_of(host, def.id))));
  std::vector<std::string> ids;
  if (!pool) return ids;
  for (const auto& m : MR_TRY_VALUE(pool->members()))
    if (std::find(ids.begin(), ids.end(), m.holder.id) == ids.end()) ids.push_back(m.holder.id);
  return ids;
}

}  // namespace mr::netdef
