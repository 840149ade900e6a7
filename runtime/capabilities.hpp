// process.capabilities: the five capability sets, set with capset(2) and prctl(2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


// "CAP_NET_ADMIN" -> 12.
Result<int> capability_number(const std::string& name);
Result<uint64_t> capability_mask(const std::vector<std::string>& names);

// Drops from the bounding set what the config leaves out. Needs CAP_SETPCAP, so it
// runs before the user changes.
Result<void> apply_bounding_set(const oci::Capabilities& caps);
// Effective, permitted, inheritable, then ambient: after the user change.
Result<void> apply_capability_sets(const oci::Capabilities& caps);

}  // namespace mr::runtime
