// The container's /dev: the runtime-spec's default devices (bound from the host's, as
// runc does) and linux.devices (made with mknod), with its standard links.
#pragma once

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// In the new root (root_fd) before pivot_root. A linux.devices entry at a default
// device's path replaces that default. A node already at an entry's path is taken if it
// is that device, and is an error otherwise. In a user namespace (`in_userns`), where
// mknod of a device is EPERM (may_mknod(): CAP_MKNOD of the initial namespace), the host's
// node at the same path is bind-mounted onto an empty file instead, keeping the host's
// mode and owner, as runc does.
Result<void> make_devices(int root_fd, const std::vector<oci::Device>& devices, bool in_userns = false);

}  // namespace mr::runtime
