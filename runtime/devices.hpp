// The container's /dev: the runtime-spec's default devices (bound from the host's, as
// runc does) and linux.devices (made with mknod), with its standard links.
#pragma once

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// In the new root (root_fd) before pivot_root. A linux.devices entry at a default
// device's path replaces that default. A node already at an entry's path is taken if it
// is that device, and is an error otherwise.
Result<void> make_devices(int root_fd, const std::vector<oci::Device>& devices);

}  // namespace mr::runtime
