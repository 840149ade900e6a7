#include "runtime/idmap_mount.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/mount_options.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/user_namespace.hpp"

namespace mr::runtime {

namespace {

// The holder of a mapping's user namespace: a child parked on a pipe read. Killed and
// reaped on every path; should the runtime die first, the pipe's end of file lets it go.
class ParkedChild {
 public:
  ParkedChild() = default;
  ParkedChild(const ParkedChild&) = delete;
  ParkedChild& operator=(const ParkedChild&) = delete;
  ~ParkedChild() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  Result<void> start() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return fail(errno, "pipe");
    UniqueFd parked(p[0]);
    hold_.reset(p[1]);
    // A fork (no stack given) whose child starts in a new user namespace, owned by the
    // runtime's euid. The child makes async-signal-safe calls only.
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    if (pid < 0) return fail(errno, "clone a process into a new user namespace");
    if (pid == 0) {
      hold_.reset();
      char byte;
      while (::read(parked.get(), &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    pid_ = pid;
    return {};
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  UniqueFd hold_;  // the write end: the child reads until it closes
};

// One write(2): the kernel takes a map whole or not at all, and only once.
// Propagation as a bind made under the init's recursively slave "/" has it: a clone of a
// shared mount joins its peer group (fs/namespace.c clone_mnt()), and mounts made under
// the destination inside the container would then appear on the host.
Result<void> make_slave(int tree, const std::string& source) {
  mount_attr attr{};
  attr.propagation = MS_SLAVE;
  if (::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    return fail(errno, "make the copy of " + source + " a slave");
  return {};
}

// The user namespaces made for one create, one per distinct mapping.
class UsernsCache {
 public:
  Result<int> get(const oci::MountIdmap& idmap) {
    for (const auto& e : entries_)
      if (e.uid == idmap.uid && e.gid == idmap.gid) return e.fd.get();
    auto fd = MR_TRY_VALUE(open_mapped_userns(idmap.uid, idmap.gid));
    entries_.push_back({idmap.uid, idmap.gid, std::move(fd)});
    return entries_.back().fd.get();
  }

 private:
  struct Entry {
    std::vector<oci::IdMapping> uid, gid;
    UniqueFd fd;
  };
  std::vector<Entry> entries_;
};

}  // namespace

Result<UniqueFd> open_mapped_userns(const std::vector<oci::IdMapping>& uid, const std::vector<oci::IdMapping>& gid) {
  ParkedChild child;
  MR_TRY(child.start());
  // The child is ours and not yet reaped: its pid names no other process meanwhile.
  std::string proc = "/proc/" + std::to_string(child.pid());
  // The runtime holds CAP_SETUID and CAP_SETGID over the parent namespace: any range
  // may be mapped, and setgroups need not be denied first (user_namespaces(7)).
  MR_TRY_CTX(write_id_maps(child.pid(), uid, gid), "id mappings");
  UniqueFd ns(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return fail(errno, "open " + proc + "/ns/user");
  return ns;
}

Result<UniqueFd> open_idmapped_tree(const std::string& source, const oci::MountIdmap& idmap, bool rbind,
                                    int userns_fd) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0);
  UniqueFd tree(::open_tree(AT_FDCWD, source.c_str(), flags));
  if (!tree) return fail(errno, "open_tree(OPEN_TREE_CLONE" + std::string(rbind ? "|AT_RECURSIVE" : "") + ") " + source);
  MR_TRY(make_slave(tree.get(), source));
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  // ridmap: every mount of the copied tree; idmap: its top only (runc does the same).
  unsigned at = AT_EMPTY_PATH | (idmap.recursive ? AT_RECURSIVE : 0);
  if (::mount_setattr(tree.get(), "", at, &attr, sizeof attr) != 0) {
    int err = errno;
    std::string why = "set MOUNT_ATTR_IDMAP on " + source;
    if (err == EINVAL) why += " (a filesystem there cannot be id-mapped on this kernel)";
    return fail(err, why);
  }
  return tree;
}

Result<void> attach_tree(int tree_fd, int target_fd) {
  if (::move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return fail(errno, "move_mount the id-mapped tree onto its destination");
  return {};
}

Result<IdmappedTrees> make_idmapped_trees(const oci::Config& cfg, const std::string& bundle) {
  IdmappedTrees out;
  UsernsCache userns;
  for (std::size_t i = 0; i < cfg.mounts.size(); ++i) {
    const oci::Mount& m = cfg.mounts[i];
    if (!m.idmap) continue;
    auto tree = [&]() -> Result<UniqueFd> {
      // The loader refuses idmap/ridmap without the mount's own mappings; taking the
      // container's user namespace mappings instead (runtime-spec: MAY) would go here.
      if (m.idmap->uid.empty() || m.idmap->gid.empty())
        return fail(EINVAL, "an id-mapped mount needs uidMappings and gidMappings");
      int ns = MR_TRY_VALUE(userns.get(*m.idmap));
      bool rbind = parse_mount_options(m.options).recursive;
      return open_idmapped_tree(mount_source_path(bundle, m.source), *m.idmap, rbind, ns);
    }();
    if (!tree) return std::unexpected(at_origin(std::move(tree).error(), "config.json#/mounts/" + std::to_string(i)));
    if (out.trees_.size() <= i) out.trees_.resize(i + 1);
    out.trees_[i] = std::move(*tree);
  }
  return out;
}

}  // namespace mr::runtime
