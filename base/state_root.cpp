#include "base/state_root.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace mr {

namespace {

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// What a directory of container state must be: a directory its owner alone may write.
Result<void> check_writers(const struct stat& st, const std::string& what) {
  if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, what);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fail(EPERM, what + " is writable by others than its owner (mode " + octal_mode(st.st_mode) +
                           "); container state must be writable by its owner only");
  return {};
}

}  // namespace

Result<void> check_state_root(const std::string& root, const std::string& option) {
  std::string what = option + " " + root;
  if (root.empty()) return fail(EINVAL, option + ": empty path");
  // lstat() of "link/" follows the link (path_resolution(7)): the check is of the last
  // component itself.
  std::string path = root;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return fail(errno, "stat " + what);
  }
  if (S_ISLNK(st.st_mode))
    return fail(EPERM, what + " is a symlink; give the directory itself, which only its owner may write");
  MR_TRY(check_writers(st, what));
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return fail(EPERM, what + " is owned by uid " + std::to_string(st.st_uid) + ", neither this user nor root");
  return {};
}

Result<UniqueFd> open_state_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    struct stat st{};
    // O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR or ELOOP (open(2)).
    if ((err == ELOOP || err == ENOTDIR) && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return fail(EPERM, path + " is a symlink, not a container's state directory: refused, nothing behind it is "
                                "read or changed");
    return fail(err, "open " + path);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return fail(errno, "stat " + path);
  MR_TRY(check_writers(st, path));
  if (st.st_uid != ::geteuid())
    return fail(EPERM, path + " is owned by uid " + std::to_string(st.st_uid) +
                           ", not this user: refused, nothing in it is read or changed");
  return fd;
}

}  // namespace mr
