// Which containers use a network: `network rm` refuses a network in use (unless
// --force) and `network prune` keeps it.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netdef/network_def.hpp"

namespace mr::netdef {

// The ids of the live containers on `def` in the calling thread's host namespace, from
// the network's address pool (netns/address_pool.hpp), in the order they joined it.
Result<std::vector<std::string>> users_of(const NetworkDef& def);

}  // namespace mr::netdef
