#include "runtime/safe_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>
#include <vector>

namespace mr::runtime {

namespace {

int openat2_in_root(int root_fd, const std::string& path) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
  } while (fd < 0 && errno == EAGAIN);  // a concurrent rename: the kernel asks to retry
  return fd;
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  std::string c;
  while (std::getline(in, c, '/'))
    if (!c.empty() && c != ".") out.push_back(c);
  return out;
}

}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<UniqueFd> open_in_root(int root_fd, const std::string& path) {
  UniqueFd fd(openat2_in_root(root_fd, path));
  if (!fd) return fail(errno, "resolve " + path + " in the container root");
  return fd;
}

namespace {

Result<UniqueFd> make_in_root_depth(int root_fd, const std::string& path, Leaf leaf, int depth) {
  // The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS).
  if (depth > 40) return fail(ELOOP, "create " + path + " in the container root");
  auto parts = components(path);
  UniqueFd parent(openat2_in_root(root_fd, "/"));
  if (!parent) return fail(errno, "open the container root");
  std::string prefix;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string parent_prefix = prefix;
    prefix += "/" + parts[i];
    bool last = i + 1 == parts.size();
    UniqueFd cur(openat2_in_root(root_fd, prefix));
    if (!cur && errno == ENOENT && parts[i] != "..") {
      // Created relative to the already resolved parent, by a name without slashes: a
      // symlink planted here makes mkdirat/openat fail with EEXIST, never follow it.
      int rc;
      if (last && leaf == Leaf::file) {
        rc = ::openat(parent.get(), parts[i].c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0) UniqueFd created(rc);
      } else {
        rc = ::mkdirat(parent.get(), parts[i].c_str(), 0755);
      }
      int err = rc < 0 ? errno : 0;
      if (err == EEXIST) {
        // A dangling symlink: make its target instead, read as if root were "/".
        char buf[4096];
        ssize_t n = ::readlinkat(parent.get(), parts[i].c_str(), buf, sizeof buf - 1);
        if (n > 0) {
          std::string target(buf, static_cast<std::size_t>(n));
          std::string next = target.front() == '/' ? target : parent_prefix + "/" + target;
          for (std::size_t j = i + 1; j < parts.size(); ++j) next += "/" + parts[j];
          return make_in_root_depth(root_fd, next, leaf, depth + 1);
        }
      }
      if (err != 0 && err != EEXIST) return fail(err, "create " + prefix + " in the container root");
      cur.reset(openat2_in_root(root_fd, prefix));
    }
    if (!cur) return fail(errno, "resolve " + prefix + " in the container root");
    parent = std::move(cur);
  }
  return parent;
}

}  // namespace

Result<UniqueFd> make_in_root(int root_fd, const std::string& path, Leaf leaf) {
  return make_in_root_depth(root_fd, path, leaf, 0);
}

}  // namespace mr::runtime
