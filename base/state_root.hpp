// The directory a runtime keeps its containers under (mini-runc --root, netns-hook
// --root). What is kept there is trusted later: a journal says which host devices to
// take back and which links to delete, a pin names a namespace. Whoever can replace the
// directory or write into it can make a later delete or poststop act on the host, so
// the root is checked before anything is read from it or made in it, and so is each
// container's directory in it before anything is read from it or removed.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr {

// Refuses (EPERM, naming `option` and the path) a root that is a symlink, is not a
// directory, is writable by anyone but its owner (a sticky bit does not help: others
// could still plant ROOT/ID ahead of a create), or is owned by another user than this
// one or root. A root that does not exist yet passes: its maker creates it 0700.
Result<void> check_state_root(const std::string& root, const std::string& option = "--root");

// ROOT/ID, opened without following a symlink at ID (O_NOFOLLOW; ROOT itself is
// check_state_root()'s) and refused (EPERM, one line naming the path) unless it is a
// directory of this user that no one else may write. The later commands read and remove
// files through this directory only once it passed: a symlink planted there would
// otherwise point them at another directory's journal and pin. ENOENT when missing.
Result<UniqueFd> open_state_dir(const std::string& path);

}  // namespace mr
