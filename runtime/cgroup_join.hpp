// Putting a process in the cgroups another one is in, on every hierarchy (cgroup v1
// controllers, named v1 hierarchies such as name=systemd, and the v2 one): `exec` puts
// its process where the container's init is, whoever made those cgroups. Read from
// /proc/PID/cgroup and the host's /proc/self/mountinfo only, so that it depends on no
// cgroup manager's state.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr::runtime {

// The cgroup.procs file, as a path in our mount namespace, of each hierarchy `pid` is
// in; a hierarchy mounted nowhere here is left out (nothing could join it).
Result<std::vector<std::string>> cgroup_procs_files(pid_t pid);

// Writes `pid` to each of `procs` (cgroup.procs files): the kernel moves the process
// (cgroups(7), cgroups v2 "Organizing processes").
Result<void> join_cgroups(const std::vector<std::string>& procs, pid_t pid);

}  // namespace mr::runtime
