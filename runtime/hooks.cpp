#include "runtime/hooks.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <cstdio>
#include <memory>

#include "base/log.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

namespace bp = boost::process;

namespace {

// The state is given through a memfd rather than a pipe: a hook that never reads its
// stdin cannot block the runtime on a full pipe or make it die of SIGPIPE.
Result<std::unique_ptr<FILE, int (*)(FILE*)>> state_file(const std::string& state_json) {
  int fd = ::memfd_create("mini-runc-state", MFD_CLOEXEC);
  if (fd < 0) return fail(errno, "memfd_create");
  FILE* f = ::fdopen(fd, "w+");
  if (!f) {
    UniqueFd owner(fd);
    return fail(errno, "fdopen");
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(f, &::fclose);
  if (std::fwrite(state_json.data(), 1, state_json.size(), f) != state_json.size() || std::fflush(f) != 0 ||
      ::lseek(fd, 0, SEEK_SET) != 0)
    return fail(errno, "write the state for a hook");
  return file;
}

}  // namespace

Result<void> run_hook(const oci::Hook& hook, const std::string& state_json) {
  auto in = MR_TRY_VALUE(state_file(state_json));
  bp::environment env;
  env.clear();
  for (const auto& kv : hook.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // args[0] is argv[0] by the spec; Boost.Process puts the executable path there.
  std::vector<std::string> args;
  if (hook.args.size() > 1) args.assign(hook.args.begin() + 1, hook.args.end());
  int exit_code = 0;
  try {
    bp::child c(bp::exe = hook.path, bp::args = args, env, bp::std_in < in.get());
    auto pidfd = MR_TRY_VALUE(pidfd_open(c.id()));
    pollfd p{.fd = pidfd.get(), .events = POLLIN};
    int timeout_ms = hook.timeout ? *hook.timeout * 1000 : -1;
    int rc;
    while ((rc = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    if (rc == 0) {
      (void)pidfd_send_signal(pidfd.get(), SIGKILL);
      c.wait();
      return fail(ETIMEDOUT, "hook " + hook.path + " did not finish within " +
                                        std::to_string(*hook.timeout) + "s");
    }
    c.wait();
    exit_code = c.exit_code();
    int native = c.native_exit_code();
    if (WIFSIGNALED(native))
      return fail(0, "hook " + hook.path + " killed by signal " + std::to_string(WTERMSIG(native)));
  } catch (const std::exception& e) {
    return fail(0, "run hook " + hook.path + ": " + e.what());
  }
  if (exit_code != 0) return fail(0, "hook " + hook.path + " exited with status " + std::to_string(exit_code));
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
