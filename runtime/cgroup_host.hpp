// The cgroup hierarchies of this host and the runtime's own cgroup in each: cgroup v2
// alone at /sys/fs/cgroup ("unified"), v1 controllers at /sys/fs/cgroup/<ctl> beside a v2
// hierarchy at /sys/fs/cgroup/unified ("hybrid"), or v1 alone ("legacy"). Told apart by
// the filesystem magic of /sys/fs/cgroup (statfs(2)), as runc's cgroups.IsCgroup2UnifiedMode.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr::runtime {

enum class CgroupLayout { unified, hybrid, legacy };
const char* to_string(CgroupLayout l);

struct Hierarchy {
  std::string key;    // "unified" for v2, else the mount's name ("memory", "cpu,cpuacct", "systemd")
  std::string mount;  // "/sys/fs/cgroup/memory"
  int version = 1;
  std::set<std::string> controllers;  // v2: the root's cgroup.controllers
  std::string own;    // the runtime's cgroup in it, from /proc/self/cgroup ("/" at the root)
};

struct CgroupHost {
  CgroupLayout layout = CgroupLayout::legacy;
  std::vector<Hierarchy> hierarchies;
  // The hierarchy that holds `controller` (v1 first: in hybrid mode a controller is on
  // v1 unless only v2 has it); null when none does.
  const Hierarchy* holding(const std::string& controller) const;
  const Hierarchy* by_key(const std::string& key) const;
};

Result<CgroupHost> detect_cgroup_host();

}  // namespace mr::runtime
