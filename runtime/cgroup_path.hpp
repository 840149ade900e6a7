// Where a container's cgroup goes in each hierarchy, from linux.cgroupsPath and the
// cgroup manager asked for (--systemd-cgroup, --cgroup-manager):
// - cgroupfs (runc's fs driver): an absolute path is below each hierarchy's root, a
//   relative one below the runtime's own cgroup there, none is the container id below
//   the runtime's own cgroup;
// - systemd: "SLICE:PREFIX:NAME" (none: "system.slice:mini-runc:ID") is the path systemd
//   gives unit PREFIX-NAME.scope in SLICE: "a-b.slice" nests as /a.slice/a-b.slice, "-.slice"
//   is the root. No systemd is asked: the directories are made as cgroupfs would;
// - disabled: no cgroups.
// A path with ".." (or one that otherwise leaves its hierarchy) is refused.
#pragma once

#include <string>

#include "base/error.hpp"
#include "runtime/cgroup_host.hpp"

namespace mr::runtime {

enum class CgroupDriver { cgroupfs, systemd, disabled };

// From the global flags: --cgroup-manager wins over --systemd-cgroup.
Result<CgroupDriver> cgroup_driver(bool systemd_cgroup, const std::string& cgroup_manager);

struct CgroupPath {
  std::string path;       // normalised, no "." or ".." components, no trailing "/"
  bool relative = false;  // below the runtime's own cgroup
};

// What a container without linux.cgroupsPath is called below the runtime's own cgroup:
// its id, as runc names it, under the default --root; under another root, the id and a
// hash of the root, so that containers of one id under two roots never share a cgroup
// (create refuses a cgroup that holds another's processes).
std::string default_cgroup_name(const std::string& root, const std::string& id);

// Errors point at /linux/cgroupsPath.
// `id`: the name a path left out takes (default_cgroup_name).
Result<CgroupPath> resolve_cgroups_path(const std::string& cgroups_path, const std::string& id, CgroupDriver driver);

// The directory of `p` in hierarchy `h`.
std::string cgroup_dir(const Hierarchy& h, const CgroupPath& p);

}  // namespace mr::runtime
