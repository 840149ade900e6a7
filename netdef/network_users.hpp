// Which containers use a network: `network rm` refuses a network in use (unless
// --force) and `network prune` keeps it.
#pragma once

#include <string>
#include <vector>

#include "netdef/network_def.hpp"

namespace mr::netdef {

// The ids of the containers on `def`. No container joins a network yet: always empty
// until the device kind that joins one records its containers.
std::vector<std::string> users_of(const NetworkDef& def);

}  // namespace mr::netdef
