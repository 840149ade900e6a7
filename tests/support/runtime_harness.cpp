#include "support/runtime_harness.hpp"
#include "support/wait.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "oci/default_config.hpp"

namespace mr::test {

namespace fs = std::filesystem;

Bundle::Bundle(const std::string& d) : dir(d), config(oci::default_config()) {
  std::string rootfs = dir + "/rootfs";
  for (const char* sub : {"/bin", "/etc", "/proc", "/sys", "/dev", "/tmp"}) fs::create_directories(rootfs + sub);
  fs::copy_file("/bin/busybox", rootfs + "/bin/busybox");
  for (const char* applet : {"sh", "cat", "ls", "sleep", "true", "echo", "hostname", "id", "grep", "kill",
                             "readlink", "stat", "touch", "tty", "wc"})
    fs::create_symlink("busybox", rootfs + "/bin/" + applet);
  std::ofstream(rootfs + "/etc/passwd") << "root:x:0:0:root:/:/bin/sh\n";
  std::ofstream(rootfs + "/etc/group") << "root:x:0:\n";
  config["root"]["readonly"] = false;
  // Only what the test asks for: the default's ambient set cannot be raised without
  // an inheritable set and would only add warnings.
  config["process"].erase("capabilities");
  config["process"]["args"] = {"true"};
}

void Bundle::write() const { std::ofstream(dir + "/config.json") << config.dump(2); }

void Bundle::remove_namespace(const std::string& type) {
  auto& all = config["linux"]["namespaces"];
  for (auto it = all.begin(); it != all.end(); ++it)
    if ((*it)["type"] == type) {
      all.erase(it);
      return;
    }
  FAIL("the config has no " << type << " namespace");
}

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) s.append(buf, static_cast<std::size_t>(n));
  return s;
}

int wait_status(pid_t pid, rusage* usage) {
  int status = 0;
  while (::wait4(pid, &status, 0, usage) < 0)
    if (errno != EINTR) FAIL("wait4 failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void wait_gone(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return;  // already gone
  REQUIRE(wait_ready(fd.get(), POLLIN, -1));
}

namespace {

[[noreturn]] void exec_runc(int netns_fd, int mount_ns_fd, const std::string& binary, const std::string& root,
                           const std::vector<std::string>& args, const std::vector<int>& fds = {}) {
  if (::setns(netns_fd, CLONE_NEWNET) != 0) ::_exit(120);
  if (mount_ns_fd >= 0 && ::setns(mount_ns_fd, CLONE_NEWNS) != 0) ::_exit(123);
  // Moved out of the way first, so that placing one cannot overwrite another.
  std::vector<int> high;
  for (int fd : fds) high.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 100));
  for (std::size_t i = 0; i < high.size(); ++i)
    if (high[i] < 0 || ::dup2(high[i], 3 + static_cast<int>(i)) < 0) ::_exit(122);
  std::vector<std::string> all = {binary, "--root", root};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(121);
}

UniqueFd memfd(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  REQUIRE(fd);
  return fd;
}

std::string contents(int fd) {
  ::lseek(fd, 0, SEEK_SET);
  return read_all(fd);
}

}  // namespace

Outcome RuntimeCli::operator()(const std::vector<std::string>& args, const std::string& stdin_data,
                         const std::vector<int>& fds) {
  auto in = memfd("stdin"), out = memfd("stdout"), err = memfd("stderr");
  REQUIRE(::write(in.get(), stdin_data.data(), stdin_data.size()) == static_cast<ssize_t>(stdin_data.size()));
  ::lseek(in.get(), 0, SEEK_SET);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(in.get(), 0);
    ::dup2(out.get(), 1);
    ::dup2(err.get(), 2);
    exec_runc(sb_.host().ns.fd(), mount_ns, binary_, root_, args, fds);
  }
  Outcome o;
  rusage usage{};
  o.status = wait_status(pid, &usage);
  o.max_rss_kib = usage.ru_maxrss;
  o.out = contents(out.get());
  o.err = contents(err.get());
  return o;
}

pid_t RuntimeCli::spawn(const std::vector<std::string>& args, UniqueFd& out, const std::vector<int>& fds,
                  const std::string& stdin_data, int err) {
  UniqueFd in;
  if (!stdin_data.empty()) {
    in = memfd("stdin");
    REQUIRE(::write(in.get(), stdin_data.data(), stdin_data.size()) == static_cast<ssize_t>(stdin_data.size()));
    ::lseek(in.get(), 0, SEEK_SET);
  }
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd r(p[0]), w(p[1]);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (in) ::dup2(in.get(), 0);
    ::dup2(w.get(), 1);
    if (err >= 0) ::dup2(err, 2);
    exec_runc(sb_.host().ns.fd(), mount_ns, binary_, root_, args, fds);
  }
  out = std::move(r);
  return pid;
}

nlohmann::json RuntimeCli::state(const std::string& id) {
  auto o = (*this)({"state", id});
  INFO(o.err);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(o.out);
}

MiniRuncFixture::~MiniRuncFixture() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runc.root(), ec)) {
    if (!entry.is_directory(ec)) continue;
    try {
      (void)runc({"delete", "--force", entry.path().filename().string()});
    } catch (...) {
      // Already failing: a runner that cannot even start has nothing to add.
    }
  }
}

}  // namespace mr::test
