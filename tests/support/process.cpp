#include "support/process.hpp"
#include "support/wait.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace mr::test {

namespace {

UniqueFd memory_file(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  REQUIRE_MESSAGE(fd, "memfd_create: " << std::string(std::strerror(errno)));
  return fd;
}

std::string read_back(int fd) {
  std::string text;
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  return text;
}

// After fork only async-signal-safe calls: a failure is written to stderr by write(2).
[[noreturn]] void die(const char* what) {
  const char* reason = ::strerror(errno);
  for (const char* part : {"test child: ", what, ": ", reason, "\n"}) (void)!::write(STDERR_FILENO, part, ::strlen(part));
  ::_exit(127);
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

// A pidfd polls readable once its process has exited.
bool exits_within(int pidfd, int timeout_seconds) { return wait_ready(pidfd, POLLIN, timeout_seconds * 1000); }

// Waits for the child `pid` to exit (killing it at the deadline) and reaps it; its
// resource usage goes to `usage`.
int reap(pid_t pid, int timeout_seconds, const std::string& what, rusage& usage) {
  bool exited = exits_within(open_pidfd(pid).get(), timeout_seconds);
  if (!exited) ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  if (!exited) FAIL(what << " did not finish within " << timeout_seconds << " s; killed");
  return exit_code_of(status);
}

// Closes every descriptor but `a` and `b`: a held child must not keep another held
// child's release pipe (or any socket or namespace of the test) open.
void close_all_but(int a, int b) {
  if (a > b) std::swap(a, b);
  ::close_range(0, a - 1, 0);
  ::close_range(a + 1, b - 1, 0);
  ::close_range(b + 1, ~0U, 0);
}

}  // namespace

std::vector<std::string> RunResult::err_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

RunResult run_program(const std::vector<std::string>& argv, std::string_view input, const RunOptions& opts) {
  REQUIRE(!argv.empty());
  auto in = memory_file("stdin"), out = memory_file("stdout"), err = memory_file("stderr");
  REQUIRE(::write(in.get(), input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  REQUIRE(::lseek(in.get(), 0, SEEK_SET) == 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  if (opts.env) {
    for (const auto& e : *opts.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
  }

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // dup2 leaves the new descriptors without FD_CLOEXEC: they are what the program keeps.
    if (::dup2(opts.stdin_fd >= 0 ? opts.stdin_fd : in.get(), STDIN_FILENO) < 0 || ::dup2(out.get(), STDOUT_FILENO) < 0 ||
        ::dup2(err.get(), STDERR_FILENO) < 0)
      die("dup2");
    if (opts.mount_ns_fd >= 0 && ::setns(opts.mount_ns_fd, CLONE_NEWNS) != 0) die("setns mount namespace");
    if (opts.net && ::setns(opts.net->fd(), CLONE_NEWNET) != 0) die("setns network namespace");
    if (opts.env)
      ::execve(args[0], args.data(), env.data());
    else
      ::execv(args[0], args.data());
    die(args[0]);
  }
  RunResult r;
  rusage usage{};
  r.exit_code = reap(pid, opts.timeout_seconds, argv[0], usage);
  r.max_rss_kib = usage.ru_maxrss;
  r.out = read_back(out.get());
  r.err = read_back(err.get());
  return r;
}

HeldChild::HeldChild(int (*setup)()) {
  int ready[2], hold[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
  UniqueFd ready_r(ready[0]), ready_w(ready[1]), hold_r(hold[0]);
  release_.reset(hold[1]);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    close_all_but(ready_w.get(), hold_r.get());
    int code = setup();
    (void)!::write(ready_w.get(), &code, sizeof code);
    if (code) ::_exit(1);
    char c;
    // The test closes the write end (release or its own exit): read returns 0.
    while (::read(hold_r.get(), &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  ready_w.reset();
  hold_r.reset();
  int code = -1;
  ssize_t n;
  do n = ::read(ready_r.get(), &code, sizeof code);
  while (n < 0 && errno == EINTR);
  if (n != sizeof code || code != 0) {
    release();
    FAIL("held child's setup failed: " << (n == sizeof code ? std::string(std::strerror(code)) : "it died"));
  }
}

void HeldChild::release() {
  if (pid_ <= 0) return;
  release_.reset();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

StandInContainer::StandInContainer()
    : HeldChild([] { return ::unshare(CLONE_NEWNET) == 0 ? 0 : errno; }) {}

static UniqueFd open_mount_ns(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/mnt";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE_MESSAGE(fd, "open " << path << ": " << std::string(std::strerror(errno)));
  return fd;
}

Cgroup2MountNamespace::Cgroup2MountNamespace()
    : HeldChild([] {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("none", "/sys/fs/cgroup", "tmpfs", 0, nullptr) != 0 ||
            ::mount("none", "/sys/fs/cgroup", "cgroup2", 0, nullptr) != 0)
          return errno;
        return 0;
      }),
      fd(open_mount_ns(pid())) {}

MountNamespace::MountNamespace(Propagation p)
    : HeldChild(p == Propagation::made_private ? +[] {
        return ::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0
                   ? 0 : errno;
      } : +[] { return ::unshare(CLONE_NEWNS) == 0 ? 0 : errno; }),
      fd(open_mount_ns(pid())) {}

pid_t reaped_pid() {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return pid;
}

UniqueFd open_pidfd(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  REQUIRE_MESSAGE(fd, "pidfd_open " << pid << ": " << std::string(std::strerror(errno)));
  return fd;
}

void wait_exit(int pidfd, int timeout_seconds) {
  REQUIRE_MESSAGE(exits_within(pidfd, timeout_seconds), "the process did not exit within " << timeout_seconds << " s");
}

}  // namespace mr::test
