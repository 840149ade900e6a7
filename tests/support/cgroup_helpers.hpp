// Cgroup tests' helpers: unique cgroup paths (parallel tests never share one) and a
// guard that removes, at the end of a test even when it fails, every directory a test's
// path may have left in every hierarchy (killing what is still in them first).
#pragma once

#include <string>
#include <vector>

namespace mr::test {

// "/mr-test-PID-N-TAG": an absolute linux.cgroupsPath no other test uses.
std::string unique_cgroup_path(const std::string& tag);

// The v1 or v2 directory of `path` (absolute, below the hierarchy root) in the
// hierarchy mounted at /sys/fs/cgroup/NAME ("memory", "unified", ...).
std::string cgroup_dir_of(const std::string& hierarchy, const std::string& path);

// The line of /proc/PID/cgroup for a v1 controller ("memory") or "" for v2.
std::string proc_cgroup(int pid, const std::string& controller);

// The directories of the hierarchies mounted under /sys/fs/cgroup ("memory", ...).
std::vector<std::string> cgroup_hierarchies();

// The cgroups of the containers of one --root that have no linux.cgroupsPath (named
// after their id and the root: runtime/cgroup_path.hpp default_cgroup_name), wherever
// they are in any hierarchy; removed at the end of a test even when it fails.
class RootCgroups {
 public:
  explicit RootCgroups(std::string root) : root_(std::move(root)) {}
  ~RootCgroups();
  RootCgroups(const RootCgroups&) = delete;
  RootCgroups& operator=(const RootCgroups&) = delete;
  // Their directories, sorted (none for the default root, whose names are bare ids).
  std::vector<std::string> present() const;

 private:
  std::string root_;
};

class CgroupCleanup {
 public:
  // `top`: the first component of a test's cgroup path ("/mr-test-...").
  explicit CgroupCleanup(std::string top) : top_(std::move(top)) {}
  ~CgroupCleanup();
  // Whether a directory of `top` is left in any hierarchy.
  bool any_left() const;

 private:
  std::string top_;
};

}  // namespace mr::test
