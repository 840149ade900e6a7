#include "runtime/process_exec.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>
#include <vector>

namespace mr::runtime {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env)
    if (kv.starts_with(key + "=")) return kv.substr(key.size() + 1);
  return {};
}

}  // namespace

Result<std::string> find_executable(const oci::Process& p) {
  if (p.args.empty()) return fail(EINVAL, "process.args is empty");
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) != 0) return fail(errno, "executable " + name);
    return name;
  }
  std::string path = env_value(p.env, "PATH");
  if (path.empty()) path = kDefaultPath;
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return fail(ENOENT, "executable \"" + name + "\" not found in $PATH " + path);
}

Result<void> pass_fds(int preserve_fds) {
  for (int fd = 3; fd < 3 + preserve_fds; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) return fail(errno, "preserved fd " + std::to_string(fd));
    if (::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) return fail(errno, "preserve fd " + std::to_string(fd));
  }
  // Anything else the caller left open must not reach the container process.
  if (::syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    return fail(errno, "close_range");
  return {};
}

}  // namespace mr::runtime
