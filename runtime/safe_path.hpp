// Paths inside a container's root filesystem, resolved by the kernel as if that
// directory were "/" (openat2 RESOLVE_IN_ROOT): an absolute symlink or a ".." in the
// bundle cannot lead outside it. Mounts then go onto /proc/self/fd/N of the result, so
// nothing re-resolves the path after the check.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {


enum class Leaf { directory, file };

// An O_PATH fd for `path` (absolute, taken relative to root_fd) inside root.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path);
// The same, creating missing components on the way as directories and the last one as
// `leaf` (mode 0755 for directories, 0644 for files).
Result<UniqueFd> make_in_root(int root_fd, const std::string& path, Leaf leaf);

// "/proc/self/fd/N": a name for the object behind an fd that mount(2) accepts.
std::string fd_path(int fd);

}  // namespace mr::runtime
