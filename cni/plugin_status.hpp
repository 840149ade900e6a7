// STATUS (SPEC.md 1.1.0): whether the plugin can take ADDs for a configuration now.
#pragma once

#include "cni/protocol.hpp"

namespace mr::cni {

// Code 50 (not available), one line saying why: the state directory cannot be written,
// the network is not defined, or a subnet of its pool has no free address.
Outcome<void> status(const NetConf& conf);

}  // namespace mr::cni
