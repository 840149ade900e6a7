// A {"type": "cgroup"} or {"type": "cgroup2"} mount inside the container, as runc makes
// it. On v1 (and hybrid): a tmpfs at the destination with one directory per hierarchy
// ("memory", "cpu,cpuacct" with "cpu" and "cpuacct" symlinks, "unified"), each the
// container's own cgroup: mounted afresh in a cgroup namespace (whose root is that
// cgroup), else bind-mounted from the host's hierarchy. On v2, or for type cgroup2: the
// v2 hierarchy alone at the destination, the same way. "ro" makes all of it read-only.
#pragma once

#include <string>

#include "base/error.hpp"
#include "runtime/mount_options.hpp"

namespace mr::runtime {

// Called by the init before pivot_root, in its cgroups and namespaces.
Result<void> mount_cgroup_tree(int root_fd, const std::string& destination, const std::string& type,
                               const MountOptions& opts, bool in_cgroupns);

}  // namespace mr::runtime
