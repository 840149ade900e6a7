#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "runtime/cli.hpp"
#include "runtime/container.hpp"
#include "base/log.hpp"
#include "runtime/signals.hpp"

namespace mr::runtime {

Result<State> create_from_flags(const GlobalOptions& g, const CreateFlags& f);

namespace {

// Under the state directory's lock, so that a net attach or detach under way finishes
// first and what it lent the container is given back too. A delete --force that came
// first has destroyed it already.
void destroy_locked(const StateDir& dir, const State& st) {
  auto lock = lock_state_dir(dir);
  if (!lock && lock.error().err == ENOENT) return;
  if (!lock) log_warn(lock.error().message());
  // The workload's exit status stays run's, as with runc; what is pending is said here
  // and stays for delete.
  if (auto r = destroy_container(dir, st); !r) log_error(r.error());
}

int run_foreground(const GlobalOptions& g, const CreateFlags& f) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return report(sys_error(errno, "prctl(PR_SET_CHILD_SUBREAPER)"));
  // Blocked before anything is forked, so that no signal meant for the workload is lost;
  // the init unblocks them before exec.
  sigset_t set = forwarded_signals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sigfd) return report(sys_error(errno, "signalfd"));
  auto st = create_from_flags(g, f);
  if (!st) return report(st.error());
  StateDir dir{g.root, f.id};
  if (auto r = start_container(dir, *st); !r) {
    int code = report(r.error());
    ::kill(st->pid, SIGKILL);
    (void)wait_forwarding(sigfd.get(), st->pid);
    destroy_locked(dir, *st);
    return code;
  }
  auto code = wait_forwarding(sigfd.get(), st->pid);
  destroy_locked(dir, *st);
  if (!code) return report(code.error());
  return *code;
}

}  // namespace

Command add_run_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("run", "create and start a container");
  auto f = std::make_shared<CreateFlags>();
  auto detach = std::make_shared<bool>(false);
  add_create_flags(*sub, *f);
  sub->add_flag("-d,--detach", *detach, "return once the process has started");
  return {sub, [&g, f, detach] {
            if (!*detach) return run_foreground(g, *f);
            auto st = create_from_flags(g, *f);
            if (!st) return report(st.error());
            if (auto r = start_container(StateDir{g.root, f->id}, *st); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
