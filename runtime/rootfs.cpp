#include "runtime/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/log.hpp"
#include "runtime/cgroup_mount.hpp"
#include "runtime/devices.hpp"
#include "runtime/idmap_mount.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/safe_path.hpp"

namespace mr::runtime {

namespace {

Result<void> do_mount(const std::string& what, const char* source, const std::string& target,
                      const char* type, unsigned long flags, const char* data = nullptr) {
  if (::mount(source, target.c_str(), type, flags, data) != 0) return fail(errno, what);
  return {};
}

Result<UniqueFd> open_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + path);
  return fd;
}

// Flag changes after a bind mount: MS_BIND|MS_REMOUNT with the wanted flags, on a fresh
// lookup of the destination (the fd the mount went onto still names the covered
// directory underneath).
Result<void> remount_bind(int root_fd, const std::string& dest, unsigned long flags) {
  auto top = MR_TRY_VALUE(open_in_root(root_fd, dest));
  return do_mount("remount " + dest + " with its flags", nullptr, fd_path(top.get()), nullptr,
                  MS_BIND | MS_REMOUNT | flags);
}

Result<void> apply_mount(int root_fd, const std::string& bundle, const oci::Mount& m, std::size_t index,
                         bool in_cgroupns, const IdmappedTrees& idmapped) {
  const std::string where = "mounts[" + std::to_string(index) + "] " + m.destination;
  if (m.destination.empty() || m.destination.front() != '/')
    return fail(EINVAL, where + ": destination must be an absolute path");
  auto opts = parse_mount_options(m.options);
  if (m.type == "bind") opts.bind = true;
  if (m.type == "cgroup" || m.type == "cgroup2") {
    MR_TRY_CTX(mount_cgroup_tree(root_fd, m.destination, m.type, opts, in_cgroupns), where);
    return {};
  }
  std::string source = mount_source_path(bundle, m.source);
  Leaf leaf = Leaf::directory;
  // An id-mapped bind comes made (idmap_mount.hpp): its tree is moved into place.
  const int tree = m.idmap ? idmapped.fd(index) : -1;
  if (m.idmap && tree < 0) return fail(EINVAL, where + ": no id-mapped tree was made for it");
  if (opts.bind) {
    struct stat st{};
    if ((tree >= 0 ? ::fstat(tree, &st) : ::stat(source.c_str(), &st)) != 0)
      return fail(errno, where + ": bind source " + source);
    if (!S_ISDIR(st.st_mode)) leaf = Leaf::file;
  }
  auto target = MR_TRY_VALUE(make_in_root(root_fd, m.destination, leaf));
  std::string tpath = fd_path(target.get());
  if (opts.bind) {
    if (tree >= 0) {
      if (auto r = attach_tree(tree, target.get()); !r)
        return std::unexpected(
            at_origin(std::move(r).error().wrap(where), "config.json#/mounts/" + std::to_string(index)));
    } else {
      MR_TRY(do_mount(where + ": bind " + source, source.c_str(), tpath, nullptr,
                      MS_BIND | (opts.recursive ? MS_REC : 0)));
    }
    unsigned long extra = opts.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                        MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
    if (extra) MR_TRY_CTX(remount_bind(root_fd, m.destination, extra), where);
  } else {
    MR_TRY(do_mount(where + ": mount " + m.type, m.source.empty() ? m.type.c_str() : m.source.c_str(),
                    tpath, m.type.c_str(), opts.flags & ~MS_REMOUNT,
                    opts.data.empty() ? nullptr : opts.data.c_str()));
  }
  for (unsigned long prop : opts.propagation) {
    auto top = MR_TRY_VALUE(open_in_root(root_fd, m.destination));
    MR_TRY(do_mount(where + ": set propagation", nullptr, fd_path(top.get()), nullptr, prop));
  }
  return {};
}

}  // namespace

namespace {

// The mount point holding `path` (absolute, resolved): the longest mount point of
// /proc/self/mountinfo that contains it.
Result<std::string> mount_point_of(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return fail(errno, "read /proc/self/mountinfo");
  std::string best = "/", line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    bool contains = point == "/" || path == point || path.starts_with(point + "/");
    if (contains && point.size() > best.size()) best = point;
  }
  return best;
}

// runc's rootfsParentMountPrivate: the root filesystem's bind onto itself then
// propagates to no other namespace.
Result<void> make_parent_mount_private(const std::string& rootfs) {
  std::string parent = MR_TRY_VALUE(mount_point_of(rootfs));
  return do_mount("make " + parent + " private", nullptr, parent, nullptr, MS_PRIVATE);
}

}  // namespace

std::string mount_source_path(const std::string& bundle, const std::string& source) {
  if (source.empty() || source.front() == '/') return source;
  return bundle + "/" + source;
}

Result<void> prepare_rootfs(const oci::Config& cfg, const std::string& bundle, const std::string& rootfs,
                            const IdmappedTrees& idmapped) {
  // Nothing mounted from here on may propagate back to the host's mount namespace. The
  // runtime's --root is a shared mount point (Netns::share_pin_directory()), so the copy
  // of it this namespace got at clone, and of each pin under it, is a peer of the host's
  // until here; as a slave it still receives the pins the runtime makes and removes
  // meanwhile (this container's own among them) and sends nothing back. All of it goes
  // with the old root after pivot_root (pivot_into()): a running container holds no pin.
  // linux.rootfsPropagation may ask for another kind (runc's prepareRoot). Then the mount
  // holding the root filesystem is made private, as runc does: a shared root would stay
  // a peer of the host's, and an unbindable one could not be bound below; the bind
  // starts a mount of the container's own, which gets the kind after pivot_root.
  // Unbindable comes only then: the host's device nodes are still bound below.
  unsigned long root_flags = cfg.linux.rootfs_propagation.empty() ? MS_REC | MS_SLAVE
                                                                  : propagation_flags(cfg.linux.rootfs_propagation);
  if (root_flags & MS_UNBINDABLE) root_flags = MS_REC | MS_PRIVATE;
  MR_TRY(do_mount("make / " + (cfg.linux.rootfs_propagation.empty() ? "a recursive slave" : cfg.linux.rootfs_propagation),
                  nullptr, "/", nullptr, root_flags));
  if (!cfg.linux.rootfs_propagation.empty()) MR_TRY(make_parent_mount_private(rootfs));
  // pivot_root() needs the new root to be a mount point.
  MR_TRY(do_mount("bind the root filesystem " + rootfs + " onto itself", rootfs.c_str(), rootfs, nullptr,
                  MS_BIND | MS_REC));
  auto root = MR_TRY_VALUE(open_dir(rootfs));
  bool in_cgroupns = oci::has_namespace(cfg, "cgroup");
  for (std::size_t i = 0; i < cfg.mounts.size(); ++i)
    MR_TRY(apply_mount(root.get(), bundle, cfg.mounts[i], i, in_cgroupns, idmapped));
  MR_TRY(make_devices(root.get(), cfg.linux.devices, oci::has_namespace(cfg, "user")));
  return {};
}

Result<void> pivot_into(const std::string& rootfs) {
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) return fail(errno, "open /");
  UniqueFd new_root(::open(rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) return fail(errno, "open " + rootfs);
  // pivot_root(".", ".") stacks the old root on top of the new one (see pivot_root(2),
  // NOTES); it is then unmounted from there, with no directory for it needed.
  if (::fchdir(new_root.get()) != 0) return fail(errno, "chdir " + rootfs);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return fail(errno, "pivot_root to " + rootfs);
  if (::fchdir(old_root.get()) != 0) return fail(errno, "chdir to the old root");
  MR_TRY(do_mount("make the old root a slave", nullptr, ".", nullptr, MS_SLAVE | MS_REC));
  if (::umount2(".", MNT_DETACH) != 0) return fail(errno, "detach the old root");
  if (::chdir("/") != 0) return fail(errno, "chdir /");
  return {};
}

Result<void> chroot_into(const std::string& rootfs) {
  if (::chdir(rootfs.c_str()) != 0) return fail(errno, "chdir " + rootfs);
  if (::chroot(".") != 0) return fail(errno, "chroot to " + rootfs);
  if (::chdir("/") != 0) return fail(errno, "chdir /");
  return {};
}

Result<void> finish_rootfs(const oci::Config& cfg) {
  auto root = MR_TRY_VALUE(open_dir("/"));
  for (const auto& p : cfg.linux.masked_paths) {
    auto fd = open_in_root(root.get(), p);
    if (!fd) {
      if (fd.error().err == ENOENT) continue;
      return std::unexpected(std::move(fd).error().wrap("mask " + p));
    }
    struct stat st{};
    if (::fstat(fd->get(), &st) != 0) return fail(errno, "mask " + p);
    if (S_ISDIR(st.st_mode))
      MR_TRY(do_mount("mask " + p, "tmpfs", fd_path(fd->get()), "tmpfs", MS_RDONLY));
    else
      MR_TRY(do_mount("mask " + p, "/dev/null", fd_path(fd->get()), nullptr, MS_BIND));
  }
  for (const auto& p : cfg.linux.readonly_paths) {
    auto fd = open_in_root(root.get(), p);
    if (!fd) {
      if (fd.error().err == ENOENT) continue;
      return std::unexpected(std::move(fd).error().wrap("make " + p + " read-only"));
    }
    MR_TRY(do_mount("make " + p + " read-only", fd_path(fd->get()).c_str(), fd_path(fd->get()), nullptr,
                    MS_BIND | MS_REC));
    MR_TRY(remount_bind(root.get(), p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  }
  if (cfg.root.readonly)
    MR_TRY(do_mount("make the root filesystem read-only", nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY));
  // On the container's own root, last: an unbindable one would refuse the binds above.
  if (!cfg.linux.rootfs_propagation.empty())
    MR_TRY(do_mount("make / " + cfg.linux.rootfs_propagation, nullptr, "/", nullptr,
                    propagation_flags(cfg.linux.rootfs_propagation)));
  return {};
}

}  // namespace mr::runtime
