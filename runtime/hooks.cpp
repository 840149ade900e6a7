#include "runtime/hooks.hpp"

#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <unordered_set>
#include <utility>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "runtime/process_handle.hpp"

extern char** environ;

namespace mr::runtime {

namespace {

// The state is given through a memfd rather than a pipe: a hook that never reads its
// stdin cannot block the runtime on a full pipe or make it die of SIGPIPE.
Result<UniqueFd> state_memfd(const std::string& state_json) {
  UniqueFd fd(::memfd_create("mini-runc-state", MFD_CLOEXEC));
  if (!fd) return fail(errno, "memfd_create");
  std::size_t done = 0;
  while (done < state_json.size()) {
    ssize_t n = ::write(fd.get(), state_json.data() + done, state_json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "write the state for a hook");
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail(errno, "write the state for a hook");
  return fd;
}

// The hook's environment as runc gives it (Go's exec.Cmd): for a name set twice, the
// last entry, in the place of that last entry.
std::vector<std::string> dedup_env(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    auto eq = it->find('=', 1);  // a leading '=' belongs to the name
    if (eq != std::string::npos && !seen.insert(it->substr(0, eq)).second) continue;
    out.push_back(*it);
  }
  return {out.rbegin(), out.rend()};
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { ::posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions); }
};

struct SpawnAttrs {
  posix_spawnattr_t attrs;
  SpawnAttrs() { ::posix_spawnattr_init(&attrs); }
  ~SpawnAttrs() { ::posix_spawnattr_destroy(&attrs); }
};

// A hook's process until it is reaped; one left running (an error on the way) is killed
// and reaped, never left behind.
class HookProcess {
 public:
  explicit HookProcess(pid_t pid) : pid_(pid) {}
  HookProcess(HookProcess&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  HookProcess& operator=(HookProcess&&) = delete;
  ~HookProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);  // not reaped yet, so the pid is still this process's
    (void)wait();
  }
  pid_t pid() const { return pid_; }
  // The wait status; the process is gone afterwards.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

// Starts the hook as the runtime-spec says (execv's semantics, as runc): `path` is what
// runs and `args` its whole argv, argv[0] included ([path] without args); `env` its
// whole environment (the runtime's own without one, as runc: Go's exec.Cmd with a nil
// Env; an empty list is taken as none); the state on stdin. A runtime that
// blocks signals to forward them (`run`) gives the hook none blocked and none ignored.
Result<HookProcess> spawn_hook(const oci::Hook& hook, int stdin_fd) {
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<std::string> env = dedup_env(hook.env);
  auto argv = c_strings(args);
  auto envp = c_strings(env);
  SpawnActions fa;
  if (int rc = ::posix_spawn_file_actions_adddup2(&fa.actions, stdin_fd, STDIN_FILENO); rc != 0)
    return fail(rc, "posix_spawn_file_actions_adddup2");
  SpawnAttrs attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr.attrs, &none);
  ::posix_spawnattr_setsigdefault(&attr.attrs, &all);
  ::posix_spawnattr_setflags(&attr.attrs, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  // glibc's posix_spawn reports a failed exec (a missing or non-executable path) here.
  if (int rc = ::posix_spawn(&pid, hook.path.c_str(), &fa.actions, &attr.attrs, argv.data(),
                             hook.env.empty() ? environ : envp.data());
      rc != 0)
    return fail(rc, "run hook " + hook.path);
  return Result<HookProcess>(std::in_place, pid);
}

// Waits for the hook's exit, at most `timeout` seconds; past it, the hook is killed.
// Returns whether it exited in time.
Result<bool> wait_exit(const HookProcess& child, std::optional<int> timeout) {
  auto pidfd = MR_TRY_VALUE(pidfd_open(child.pid()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout.value_or(0));
  pollfd p{.fd = pidfd.get(), .events = POLLIN};
  for (;;) {
    int wait_ms = -1;
    if (timeout) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long long>(left.count(), 0));
    }
    // A pidfd polls readable once its process has exited (pidfd_poll()).
    int rc = ::poll(&p, 1, wait_ms);
    if (rc > 0) return true;
    if (rc == 0) {
      MR_TRY(pidfd_send_signal(pidfd.get(), SIGKILL));
      return false;
    }
    if (errno != EINTR) return fail(errno, "poll the pidfd of a hook");
  }
}

}  // namespace

Result<void> run_hook(const oci::Hook& hook, const std::string& state_json) {
  auto in = MR_TRY_VALUE(state_memfd(state_json));
  auto child = MR_TRY_VALUE(spawn_hook(hook, in.get()));
  bool in_time = MR_TRY_VALUE(wait_exit(child, hook.timeout));
  int status = child.wait();
  if (!in_time)
    return fail(ETIMEDOUT, "hook " + hook.path + " did not finish within " + std::to_string(*hook.timeout) +
                               "s and was killed");
  if (WIFSIGNALED(status))
    return fail(0, "hook " + hook.path + " killed by signal " + std::to_string(WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0)
    return fail(0, "hook " + hook.path + " exited with status " + std::to_string(WEXITSTATUS(status)));
  return {};
}

Result<void> run_hooks(const std::vector<oci::Hook>& hooks, const char* phase, const std::string& state_json) {
  for (std::size_t i = 0; i < hooks.size(); ++i)
    MR_TRY_CTX(run_hook(hooks[i], state_json), std::string(phase) + " hook " + std::to_string(i));
  return {};
}

void run_hooks_warn(const std::vector<oci::Hook>& hooks, const char* phase, const std::string& state_json) {
  for (std::size_t i = 0; i < hooks.size(); ++i)
    if (auto r = run_hook(hooks[i], state_json); !r)
      log_warn(std::string(phase) + " hook " + std::to_string(i) + ": " + r.error().message());
}

}  // namespace mr::runtime
