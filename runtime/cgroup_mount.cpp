#include "runtime/cgroup_mount.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include "runtime/cgroup_host.hpp"
#include "runtime/safe_path.hpp"

namespace mr::runtime {

namespace {

constexpr unsigned long kKept = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME | MS_STRICTATIME;

Result<void> do_mount(const std::string& what, const char* source, const std::string& target, const char* type,
                      unsigned long flags, const char* data = nullptr) {
  if (::mount(source, target.c_str(), type, flags, data) != 0) return fail(errno, what);
  return {};
}

// One hierarchy at `dest`: the container's cgroup in it.
Result<void> mount_hierarchy(int root_fd, const Hierarchy& h, const std::string& dest, unsigned long flags,
                             bool in_cgroupns) {
  auto target = MR_TRY_VALUE(make_in_root(root_fd, dest, Leaf::directory));
  std::string tpath = fd_path(target.get());
  if (in_cgroupns) {
    // The namespace's root is the container's cgroup (the init was moved into it first).
    if (h.version == 2) return do_mount("mount cgroup2 at " + dest, "cgroup2", tpath, "cgroup2", flags);
    std::string data;
    for (const auto& c : h.controllers) data += (data.empty() ? "" : ",") + c;
    if (data.starts_with("name=")) data = "none," + data;
    return do_mount("mount cgroup " + data + " at " + dest, "cgroup", tpath, "cgroup", flags, data.c_str());
  }
  std::string source = h.mount + (h.own == "/" ? "" : h.own);
  MR_TRY(do_mount("bind " + source + " at " + dest, source.c_str(), tpath, nullptr, MS_BIND));
  auto top = MR_TRY_VALUE(open_in_root(root_fd, dest));
  return do_mount("remount " + dest + " with its flags", nullptr, fd_path(top.get()), nullptr,
                  MS_BIND | MS_REMOUNT | flags);
}

}  // namespace

Result<void> mount_cgroup_tree(int root_fd, const std::string& destination, const std::string& type,
                               const MountOptions& opts, bool in_cgroupns) {
  CgroupHost host = MR_TRY_VALUE(detect_cgroup_host());
  unsigned long flags = (opts.flags & kKept) | (opts.flags & MS_RDONLY);
  if (type == "cgroup2" || host.layout == CgroupLayout::unified) {
    const Hierarchy* v2 = host.by_key("unified");
    if (!v2) return fail(ENOENT, "this host has no cgroup v2 hierarchy to mount at " + destination);
    return mount_hierarchy(root_fd, *v2, destination, flags, in_cgroupns);
  }
  auto target = MR_TRY_VALUE(make_in_root(root_fd, destination, Leaf::directory));
  MR_TRY(do_mount("mount tmpfs at " + destination, "tmpfs", fd_path(target.get()), "tmpfs", flags & ~MS_RDONLY,
                  "mode=755"));
  for (const auto& h : host.hierarchies) {
    MR_TRY(mount_hierarchy(root_fd, h, destination + "/" + h.key, flags, in_cgroupns));
    // "cpu,cpuacct" is also reached as "cpu" and "cpuacct", as on the host.
    if (h.key.find(',') == std::string::npos) continue;
    auto dir = MR_TRY_VALUE(open_in_root(root_fd, destination));
    for (const auto& c : h.controllers)
      if (c != h.key && ::symlinkat(h.key.c_str(), dir.get(), c.c_str()) != 0 && errno != EEXIST)
        return fail(errno, "symlink " + destination + "/" + c);
  }
  if (flags & MS_RDONLY) {
    auto top = MR_TRY_VALUE(open_in_root(root_fd, destination));
    MR_TRY(do_mount("remount " + destination + " read-only", nullptr, fd_path(top.get()), nullptr,
                    MS_REMOUNT | flags));
  }
  return {};
}

}  // namespace mr::runtime
