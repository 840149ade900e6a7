#include "netns/state_root.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace mr::netns {

namespace {

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
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
  if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, what);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fail(EPERM, what + " is writable by others than its owner (mode " + octal_mode(st.st_mode) +
                           "); container state must be writable by its owner only");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return fail(EPERM, what + " is owned by uid " + std::to_string(st.st_uid) + ", neither this user nor root");
  return {};
}

}  // namespace mr::netns
