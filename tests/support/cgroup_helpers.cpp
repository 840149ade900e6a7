#include "support/cgroup_helpers.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/unique_fd.hpp"

namespace fs = std::filesystem;

namespace mr::test {

std::string unique_cgroup_path(const std::string& tag) {
  static std::atomic<int> n{0};
  return "/mr-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" + tag;
}

std::string cgroup_dir_of(const std::string& hierarchy, const std::string& path) {
  return "/sys/fs/cgroup/" + hierarchy + path;
}

std::string proc_cgroup(int pid, const std::string& controller) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    std::string ctls = line.substr(a + 1, b - a - 1);
    std::istringstream parts(ctls);
    bool match = controller.empty() && ctls.empty();
    for (std::string c; std::getline(parts, c, ',');) match = match || c == controller;
    if (match) return line.substr(b + 1);
  }
  return {};
}

std::vector<std::string> cgroup_hierarchies() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (e.is_directory(ec) && fs::exists(e.path() / "cgroup.procs", ec)) out.push_back(e.path().filename());
  if (fs::exists("/sys/fs/cgroup/cgroup.procs")) out.push_back("");
  return out;
}

namespace {

void remove_tree(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec)) remove_tree(e.path());
  // Each process left is killed and waited for (its pidfd polls readable once it has
  // exited, and so left the cgroup), then the directory goes.
  std::ifstream procs(dir / "cgroup.procs");
  for (int pid; procs >> pid;) {
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!fd || ::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0) != 0) continue;
    pollfd p{.fd = fd.get(), .events = POLLIN};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
  }
  ::rmdir(dir.c_str());
}

}  // namespace

CgroupCleanup::~CgroupCleanup() {
  for (const auto& h : cgroup_hierarchies()) {
    fs::path dir = "/sys/fs/cgroup/" + h + top_;
    if (fs::exists(dir)) remove_tree(dir);
  }
}

bool CgroupCleanup::any_left() const {
  for (const auto& h : cgroup_hierarchies())
    if (fs::exists("/sys/fs/cgroup/" + h + top_)) return true;
  return false;
}

}  // namespace mr::test
