// A container's user namespace: the maps the runtime writes for it, and what its
// processes do around entering it (runc's nsexec does the same steps).
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// A user namespace to make: given, and not by path.
bool makes_user_namespace(const oci::Config& cfg);

// In the runtime (root on the host): writes linux.gidMappings and uidMappings to
// /proc/PID/gid_map and uid_map, each in one write as the kernel requires.
// /proc/PID/setgroups is left at "allow", as runc leaves it when it runs as root, so
// that process.user.additionalGids can be set inside.
Result<void> write_id_maps(pid_t pid, const oci::Linux& linux);
// The same for any lists: gid_map, then uid_map, each in one write (map_write()).
Result<void> write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uid, const std::vector<oci::IdMapping>& gid);

// In a process that has just made or joined the user namespace: from the host's root,
// which is no one in there, to the namespace's root (ids 0, no extra groups), so that
// files are made and checked as the container's root and not as an unmapped id.
Result<void> become_namespace_root();

// Before entering a user namespace, while the process still holds the host's
// CAP_SYS_RESOURCE: raises the hard rlimits that process.rlimits raises and sets the
// oom score adjustment, which only the initial user namespace's capability allows
// (setrlimit(2), proc(5) oom_score_adj). The process sets its exact limits later.
Result<void> apply_host_privileged(const oci::Process& p);

// The host uid and gid of the container's root (0 inside), as the mappings say.
struct HostIds {
  uid_t uid = 0;
  gid_t gid = 0;
};
HostIds container_root(const oci::Linux& linux);

}  // namespace mr::runtime
