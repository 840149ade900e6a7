// One writer at a time on a directory that several processes change in turn (mini-runc's
// state dir, netns-hook's ROOT/ID): flock(2) on the directory itself, so that no lock file
// has to be made or removed, and the kernel lets go when the holder dies (the lock
// belongs to the open file description).
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr {

// Locks `path` for as long as the returned fd is open; `path` is a state directory, opened
// and checked by open_state_dir() (state_root.hpp): a symlink or a directory of another
// user is refused. Without `wait`, a lock held
// elsewhere fails at once with EWOULDBLOCK. ENOENT when the directory is missing, or was
// removed by the holder we waited for: then there is nothing left to change.
Result<UniqueFd> lock_directory(const std::string& path, bool wait = true);

}  // namespace mr
