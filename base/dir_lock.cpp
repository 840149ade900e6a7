#include "base/dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/state_root.hpp"

namespace mr {

Result<UniqueFd> lock_directory(const std::string& path, bool wait) {
  auto fd = MR_TRY_VALUE(open_state_dir(path));
  while (::flock(fd.get(), wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0)
    if (errno != EINTR) return fail(errno, "lock " + path);
  // Removed by whoever held the lock before us: an unlinked directory has no links left.
  struct stat sb{};
  if (::fstat(fd.get(), &sb) != 0) return fail(errno, "stat " + path);
  if (sb.st_nlink == 0) return fail(ENOENT, path + " was removed");
  return fd;
}

}  // namespace mr
