// Running programs from tests (netns-hook, runc, crun) inside a sandbox, and stand-in
// processes that hold a namespace until the test lets them go. Children are forked and
// setns()'d into the sandbox's "host" namespace before exec, so the program sees that
// namespace as its own, exactly as it would on a real host; the test process itself
// never moves. Waiting is on events (pipes, pidfds), never on time, except for a
// deadline after which the child is killed and the test fails.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "netns/namespace.hpp"
#include "base/unique_fd.hpp"

namespace mr::test {

struct RunOptions {
  const netns::Netns* net = nullptr;  // setns() into it before exec
  int mount_ns_fd = -1;               // setns() into this mount namespace before exec
  int timeout_seconds = 20;           // then the child is killed and the test fails
  int stdin_fd = -1;                  // stdin instead of the `input` text (a file, a FIFO, /dev/zero)
  // The program's whole environment ("NAME=VALUE" each) instead of the test's (a CNI
  // plugin takes its parameters there); null: the test's.
  const std::vector<std::string>* env = nullptr;
};

struct RunResult {
  int exit_code = -1;  // -1 when it died of a signal
  // Peak resident set (wait4's ru_maxrss). It counts the test process's own resident
  // pages at fork too: exec keeps the old mm's high-water mark (exec_mmap()).
  long max_rss_kib = 0;
  std::string out;
  std::string err;
  // stderr's lines, without their newlines.
  std::vector<std::string> err_lines() const;
};

// Runs argv[0] (an absolute path) with `input` on stdin and returns its exit code and
// what it printed. Output goes to memory files rather than pipes: a runtime's container
// inherits its stdio and may hold a pipe open long after the runtime itself is gone.
RunResult run_program(const std::vector<std::string>& argv, std::string_view input = {},
                      const RunOptions& opts = {});

// A forked child that runs `setup` (a plain function: only syscalls are safe after fork),
// reports through a pipe that it is ready (or the errno `setup` returned) and then blocks
// until release() or destruction. Its namespaces are the test's to use meanwhile.
class HeldChild {
 public:
  explicit HeldChild(int (*setup)());
  HeldChild(const HeldChild&) = delete;
  HeldChild& operator=(const HeldChild&) = delete;
  ~HeldChild() { release(); }
  pid_t pid() const { return pid_; }
  // Lets the child exit and reaps it.
  void release();

 private:
  pid_t pid_ = -1;
  UniqueFd release_;  // the child exits when this pipe's write end closes
};

// A stand-in container: a child in a network namespace of its own (unshare(CLONE_NEWNET)).
struct StandInContainer : HeldChild {
  StandInContainer();
};

// A mount namespace for crun on this machine. crun 1.8 wants a cgroup2 hierarchy at
// /sys/fs/cgroup, and this machine has a hybrid v1/v2 layout and no CAP_SYS_RESOURCE for
// the cgroup managers: so the child unshares a mount namespace, makes / rprivate (nothing
// leaks to the machine's mounts), mounts a tmpfs on /sys/fs/cgroup and cgroup2 over it;
// crun then runs with --cgroup-manager=disabled and a config without process.rlimits.
// Every crun command of one container joins this same namespace (RunOptions::mount_ns_fd):
// netns-hook pins the container's network namespace with a bind mount at createRuntime,
// and poststop (under `crun delete`, another process) must find that mount.
struct Cgroup2MountNamespace : HeldChild {
  Cgroup2MountNamespace();
  UniqueFd fd;  // /proc/PID/ns/mnt
};

// A mount namespace of its own, held by a child, for programs the test starts in it
// (RunOptions::mount_ns_fd, RuntimeCli::mount_ns). unshare(CLONE_NEWNS) copies the test's
// mounts, shared ones as peers of the test's (mount_namespaces(7)); made_private then
// makes / rprivate, as `unshare -m` does: nothing mounted on one side reaches the other.
struct MountNamespace : HeldChild {
  enum class Propagation { kept, made_private };
  explicit MountNamespace(Propagation p);
  UniqueFd fd;  // /proc/PID/ns/mnt
};

// A pid that no process has: that of a child already reaped.
pid_t reaped_pid();

// A pidfd for `pid` (any process, not only a child), and waiting until it exits.
UniqueFd open_pidfd(pid_t pid);
void wait_exit(int pidfd, int timeout_seconds = 20);

}  // namespace mr::test
