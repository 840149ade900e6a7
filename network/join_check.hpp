// Whether a container could join a managed network now, without joining it: what a
// front door reports before it is asked to (the CNI plugin's STATUS).
#pragma once

#include <string>

#include "base/error.hpp"

namespace mr::network {

// The network is defined in `network_dir` and each of its subnets has a free address in
// this host namespace's pool. One line saying why not (ENOSPC: a subnet is full).
Result<void> check_can_join(const std::string& network_dir, const std::string& network);

}  // namespace mr::network
