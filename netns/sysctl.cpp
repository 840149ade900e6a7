#include "netns/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "netns/namespace.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

Result<std::string> sysctl_path(std::string_view key) {
  auto bad = [&](std::string why) { return fail(EINVAL, "sysctl \"" + std::string(key) + "\": " + why); };
  char sep = key.find('/') != std::string_view::npos ? '/' : '.';
  std::string path = "/proc/sys";
  bool first = true;
  std::string_view rest = key;
  for (;;) {
    auto at = rest.find(sep);
    auto part = rest.substr(0, at);
    if (part.empty() || part == "." || part == "..") return bad("empty, \".\" or \"..\" component");
    if (part.find('\0') != std::string_view::npos || (sep == '.' && part.find('/') != std::string_view::npos))
      return bad("bad character");
    if (first && part != "net") return bad("only net.* sysctls belong to a network namespace");
    first = false;
    path += "/";
    path += part;
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + 1);
  }
  if (path == "/proc/sys/net") return bad("names no setting");
  return path;
}

Result<void> write_sysctl(const Netns& ns, std::string_view key, std::string_view value) {
  auto path = MR_TRY_VALUE(sysctl_path(key));
  auto fd = MR_TRY_VALUE(run_in(ns, [&]() -> Result<UniqueFd> {
    UniqueFd f(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!f) return fail(errno, "open " + path + " in " + ns.name());
    return f;
  }));
  // The fd stays bound to the namespace it was opened in.
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) return fail(errno, "write \"" + std::string(value) + "\" to " + path + " in " + ns.name());
  if (static_cast<size_t>(n) != value.size()) return fail(EIO, "short write to " + path);
  return {};
}

Result<std::string> read_sysctl(const Netns& ns, std::string_view key) {
  auto path = MR_TRY_VALUE(sysctl_path(key));
  auto fd = MR_TRY_VALUE(run_in(ns, [&]() -> Result<UniqueFd> {
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!f) return fail(errno, "open " + path + " in " + ns.name());
    return f;
  }));
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return fail(errno, "read " + path);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace mr::netns
