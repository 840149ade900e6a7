// Id-mapped bind mounts (mounts[].uidMappings/gidMappings, options idmap/ridmap), made
// as runc 1.2 makes them (libcontainer/mount_linux.go mountFd()): a detached copy of the
// source (open_tree(OPEN_TREE_CLONE), AT_RECURSIVE for rbind) gets MOUNT_ATTR_IDMAP
// from a user namespace that carries the mount's mapping (mount_setattr(2), AT_RECURSIVE
// for ridmap), and the init moves it onto its destination (move_mount(2)).
//
// The trees are made by the runtime before the init is cloned, on the host's side of
// every namespace, and the init inherits their fds: the kernel lets only a caller
// privileged over the source's filesystem id-map it (fs/namespace.c can_idmap_mount()),
// which an init inside a user namespace of its own would not be. The user namespace of
// a mapping is a short-lived child's: cloned into a new user namespace, its uid_map and
// gid_map written by the runtime, /proc/PID/ns/user opened, the child killed and reaped.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// An fd of a user namespace whose uid_map and gid_map are `uid` and `gid`.
Result<UniqueFd> open_mapped_userns(const std::vector<oci::IdMapping>& uid, const std::vector<oci::IdMapping>& gid);

// A detached, id-mapped copy of `source` (absolute), with the propagation of a bind
// made under the init's recursively slave "/": it receives from the source's peers and
// sends nothing back to the host.
Result<UniqueFd> open_idmapped_tree(const std::string& source, const oci::MountIdmap& idmap, bool rbind,
                                    int userns_fd);

// Attaches a tree from open_idmapped_tree() on top of `target_fd` (an O_PATH fd).
Result<void> attach_tree(int tree_fd, int target_fd);

// One detached tree per id-mapped mount of a config, by the mount's index.
class IdmappedTrees {
 public:
  int fd(std::size_t mount_index) const {
    return mount_index < trees_.size() ? trees_[mount_index].get() : -1;
  }
  void reset() { trees_.clear(); }

 private:
  friend Result<IdmappedTrees> make_idmapped_trees(const oci::Config&, const std::string&);
  std::vector<UniqueFd> trees_;
};

// The trees of every mount of `cfg` that has an idmap, sources relative to `bundle`; an
// error names the mount ("config.json:/mounts/3: ...") and the errno, as when the
// source's filesystem cannot be id-mapped (EINVAL).
Result<IdmappedTrees> make_idmapped_trees(const oci::Config& cfg, const std::string& bundle);

}  // namespace mr::runtime
