// Which cgroup hierarchies the runtime takes as the host's: read from mountinfo, but
// only those whose path still reaches them. A cgroup2 mounted over a hybrid host's
// /sys/fs/cgroup (as a benchmark or a nested engine does in its own mount namespace)
// hides the v1 mounts below it, which mountinfo still lists.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "runtime/cgroup_host.hpp"

namespace {

// In the child: 0 when detection saw only the cgroup2 on top, else a code naming what
// went wrong (10+: the setup, 20+: the verdict).
int detect_under_cgroup2() {
  if (::unshare(CLONE_NEWNS) != 0) return 10;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 11;
  // What was mounted under /sys/fs/cgroup before: still listed once hidden.
  std::ifstream before("/proc/self/mountinfo");
  bool had_v1 = false;
  for (std::string line; std::getline(before, line);)
    had_v1 = had_v1 || (line.find(" /sys/fs/cgroup/") != std::string::npos && line.find(" - cgroup ") != std::string::npos);
  if (::mount("none", "/sys/fs/cgroup", "cgroup2", 0, nullptr) != 0) return 12;
  auto host = mr::runtime::detect_cgroup_host();
  if (!host) return 20;
  if (host->hierarchies.size() != 1) return 21;
  const auto& h = host->hierarchies.front();
  if (h.mount != "/sys/fs/cgroup" || h.version != 2) return 22;
  return had_v1 ? 0 : 13;
}

}  // namespace

TEST_CASE("cgroup hierarchies hidden under another mount are not taken as the host's") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(detect_under_cgroup2());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  // 13: this machine has no v1 hierarchy to hide, so the case is not exercised.
  CHECK(WEXITSTATUS(status) == 0);
}
