// The container's root filesystem, built by its init inside its own mount namespace:
// config.json mounts at paths resolved inside the rootfs, the default /dev nodes and
// links, pivot_root, then masked and read-only paths.
#pragma once

#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


class IdmappedTrees;

// A mount's source on the host: relative to the bundle unless absolute.
std::string mount_source_path(const std::string& bundle, const std::string& source);
// Before pivot_root. `rootfs` and `bundle` are absolute host paths; the id-mapped mounts
// come made in `idmapped` (idmap_mount.hpp).
Result<void> prepare_rootfs(const oci::Config& cfg, const std::string& bundle, const std::string& rootfs,
                            const IdmappedTrees& idmapped);
// Makes `rootfs` the root of the mount namespace and detaches the old one.
Result<void> pivot_into(const std::string& rootfs);
// Without a mount namespace of its own, nothing is mounted (the loader refuses what
// would need it) and the root changes by chroot, as runc does: the mounts stay the host's.
Result<void> chroot_into(const std::string& rootfs);
// After pivot_root (and after sysctls, which need /proc/sys writable).
Result<void> finish_rootfs(const oci::Config& cfg);

}  // namespace mr::runtime
