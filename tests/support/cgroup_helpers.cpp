#include "support/cgroup_helpers.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/unique_fd.hpp"
#include "runtime/cgroup_path.hpp"

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

std::vector<std::string> RootCgroups::present() const {
  const std::string suffix = mr::runtime::default_cgroup_name(root_, "");
  std::vector<std::string> out;
  // Under the default root the name is the bare id: nothing tells that root's apart.
  if (suffix.empty()) return out;
  for (const auto& h : cgroup_hierarchies()) {
    std::error_code ec;
    fs::recursive_directory_iterator it("/sys/fs/cgroup/" + h, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it.depth() > 4) it.disable_recursion_pending();
      if (it->is_directory(ec) && it->path().filename().string().ends_with(suffix)) {
        out.push_back(it->path());
        it.disable_recursion_pending();
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

RootCgroups::~RootCgroups() {
  for (const auto& dir : present()) remove_tree(dir);
}

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
