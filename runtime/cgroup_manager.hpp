// A container's cgroups: made in every hierarchy before its init runs anything, limits
// written (cgroup_resources.hpp), the init moved in, and removed at delete once the
// kernel says they are empty. What was made is recorded in the state (ContainerCgroups)
// so that later commands (kill --all, pause, update, events, delete) find it without the
// bundle.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "runtime/cgroup_host.hpp"
#include "runtime/cgroup_path.hpp"
#include "runtime/cgroup_resources.hpp"

namespace mr::runtime {

struct ContainerCgroups {
  std::map<std::string, std::string> paths;  // Hierarchy::key -> the container's directory
  std::vector<std::string> made;             // directories this runtime made, deepest first
  bool empty() const { return paths.empty(); }
  // The directory in the hierarchy of `key`, "" when none.
  std::string dir(const std::string& key) const;
};

// Makes the directories (and missing parents) in every hierarchy. A v1 cpuset directory
// gets its parent's cpus and mems (a new one has none and would take no task); a v2
// parent enables its available controllers for its children (cgroup.subtree_control),
// as runc's fs2 does; what cannot be enabled shows up as the missing file of the limit.
// On failure what was made is removed.
Result<ContainerCgroups> make_cgroups(const CgroupHost& host, const CgroupPath& path);

// For a container with its own user namespace, on cgroup v2: the container's directory
// and the files /sys/kernel/cgroup/delegate lists (cgroup.procs, cgroup.subtree_control,
// ...) are given to the host ids of the container's root, so that it can manage its
// subtree, as runc does; v1 directories are left to the host's root.
Result<void> delegate_cgroup(const ContainerCgroups& cg, uid_t uid, gid_t gid);

// Writes the plan's files in order; a failure carries the setting's pointer.
Result<void> apply_plan(const ContainerCgroups& cg, const ResourcePlan& plan);

// What make_cgroups() would make now: every hierarchy's directory, and those of them and
// their parents that do not exist yet (deepest first). Recorded before they are made
// (StateDir::cgroup_record), so that a create killed meanwhile leaves nothing unfound.
ContainerCgroups cgroups_to_make(const CgroupHost& host, const CgroupPath& path);

// Removes the cgroups of a create that died before it saved its state: their processes
// (its init, stage 1) are killed first, when the create made every directory itself.
Result<void> remove_abandoned_cgroups(const ContainerCgroups& cg);

// Signals every process in the container's cgroup but `except`.
Result<void> signal_cgroup_members(const ContainerCgroups& cg, int sig, pid_t except);

// Moves `pid` into the container's cgroup of every hierarchy.
Result<void> add_process(const ContainerCgroups& cg, pid_t pid);

// The pids in the container's cgroup (cgroup.procs of one hierarchy that has it).
Result<std::vector<pid_t>> cgroup_pids(const ContainerCgroups& cg);

// Removes the directories made once their processes are gone: a v2 cgroup is waited for
// on cgroup.events ("populated 0"), a v1 one until cgroup.procs is empty (v1 has no
// event for it), each for a bounded time.
Result<void> remove_cgroups(const ContainerCgroups& cg);

// Reads a cgroup file of the container ("memory.limit_in_bytes" in the memory hierarchy).
Result<std::string> read_cgroup_file(const std::string& dir, const std::string& file);
Result<void> write_cgroup_file(const std::string& dir, const std::string& file, const std::string& value);

}  // namespace mr::runtime
