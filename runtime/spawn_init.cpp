#include "runtime/spawn_init.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <csignal>

#include "runtime/namespace_join.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/user_namespace.hpp"

namespace mr::runtime {

namespace {

// Until run_init takes over, a failure is the answer the runtime is waiting for.
[[noreturn]] void fail_to_runtime(const InitContext& ctx, const Error& e) {
  (void)sync_send(ctx.sync_fd, SyncTag::error, e.message());
  ::_exit(1);
}

// Joins and makes the namespaces, then forks the init, which is in a joined or new pid
// namespace only as a child of the process that entered it.
// The runtime moves the first process it starts into the container's cgroups and then
// says so; only then is a cgroup namespace made, so that its root is the container's
// cgroup and not the runtime's (as runc's nsexec does).
void await_cgroups(const InitContext& ctx) {
  if (auto r = sync_expect(ctx.sync_fd, SyncTag::placed, "the container's cgroups"); !r) ::_exit(1);
}

// A new user namespace comes first and alone, so that the namespaces unshared after it
// are its own (their owner is the creator's user namespace, namespaces(7)); the runtime
// writes its maps meanwhile, as root on the host (no newuidmap helper), and the process
// then becomes the namespace's root.
Result<void> enter_user_namespace(const InitContext& ctx, int& new_flags) {
  const oci::Config& cfg = *ctx.config;
  MR_TRY(apply_host_privileged(cfg.process));
  MR_TRY(join_namespaces(cfg.linux.namespaces));
  if (new_flags & CLONE_NEWUSER) {
    if (::unshare(CLONE_NEWUSER) != 0) return fail(errno, "unshare the container's user namespace");
    MR_TRY(sync_send(ctx.sync_fd, SyncTag::userns));
    MR_TRY(sync_expect(ctx.sync_fd, SyncTag::mapped, "the runtime to write the uid and gid maps"));
    new_flags &= ~CLONE_NEWUSER;
  }
  return become_namespace_root();
}

[[noreturn]] void run_stage1(const InitContext& ctx, int new_flags) {
  if (ctx.runtime_lock >= 0) ::close(ctx.runtime_lock);
  await_cgroups(ctx);
  auto entered = has_namespace(*ctx.config, "user") ? enter_user_namespace(ctx, new_flags)
                                                     : join_namespaces(ctx.config->linux.namespaces);
  if (!entered) fail_to_runtime(ctx, entered.error());
  if (new_flags && ::unshare(new_flags) != 0)
    fail_to_runtime(ctx, sys_error(errno, "unshare the container's namespaces"));
  // The init speaks on the same socket as soon as its mounts are made: it waits until
  // this process has sent its pid, and so exited (end-of-file on the gate).
  int gate[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) fail_to_runtime(ctx, sys_error(errno, "pipe"));
  pid_t init = ::fork();
  if (init < 0) fail_to_runtime(ctx, sys_error(errno, "fork the container's init"));
  if (init == 0) {
    ::close(gate[1]);
    char byte;
    while (::read(gate[0], &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(gate[0]);
    run_init(ctx);
  }
  // The init is reparented when this process exits: to the runtime itself for a
  // foreground run (a child subreaper), otherwise to whoever reaps orphans.
  if (!sync_send(ctx.sync_fd, SyncTag::init_pid, std::to_string(init))) ::_exit(1);
  ::_exit(0);
}

// The init, cloned already in its new namespaces, joins the ones given by path itself.
// Stage 1 does the two the other way round; without a user namespace (which always goes
// through stage 1) the order changes nothing, as each type is either new or joined.
[[noreturn]] void run_cloned_init(const InitContext& ctx, bool report_join, bool new_cgroupns) {
  if (ctx.runtime_lock >= 0) ::close(ctx.runtime_lock);
  await_cgroups(ctx);
  if (new_cgroupns && ::unshare(CLONE_NEWCGROUP) != 0)
    fail_to_runtime(ctx, sys_error(errno, "unshare the container's cgroup namespace"));
  if (auto r = join_namespaces(ctx.config->linux.namespaces); !r) fail_to_runtime(ctx, r.error());
  if (report_join && !sync_send(ctx.sync_fd, SyncTag::joined)) ::_exit(1);
  run_init(ctx);
}

// clone3() with no stack is fork() that also makes the new namespaces, CLONE_NEWTIME
// included, which only clone3 takes (clone(2)). The raw syscall skips glibc's fork
// bookkeeping (atfork handlers, locks of other threads): the runtime has one thread
// and registers no handlers.
pid_t clone_in_namespaces(int new_flags) {
  clone_args args{};
  args.flags = static_cast<uint64_t>(new_flags);
  args.exit_signal = SIGCHLD;
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

void reap(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

Result<pid_t> parse_pid(const std::string& s) {
  pid_t pid = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  if (ec != std::errc() || ptr != s.data() + s.size() || pid <= 0)
    return fail(EPROTO, "bad init pid from stage 1");
  return pid;
}

}  // namespace

Result<InitLaunch> launch_init(const InitContext& ctx, SyncPair& pair) {
  const auto& list = ctx.config->linux.namespaces;
  int new_flags = MR_TRY_VALUE(new_namespace_flags(list));
  InitLaunch launch;
  // setns() into a pid namespace moves only the caller's later children (setns(2),
  // pid_namespaces(7)), so an init in a pid namespace given by path needs a process
  // between the runtime and itself. Otherwise the init is cloned straight into its new
  // namespaces, one fork and one wait fewer; where clone3 is refused (ENOSYS: older
  // kernels, and seccomp profiles such as Docker's default), stage 1 does the same.
  // A user namespace, too, goes through stage 1: made there alone, mapped by the runtime,
  // then the others made or joined in the right order (enter_user_namespace).
  if (!joins_namespace(*ctx.config, "pid") && !has_namespace(*ctx.config, "user")) {
    launch.child = clone_in_namespaces(new_flags & ~CLONE_NEWCGROUP);
    launch.reports_join = joins_any(list);
    if (launch.child == 0) {
      pair.runtime_end.reset();
      run_cloned_init(ctx, launch.reports_join, (new_flags & CLONE_NEWCGROUP) != 0);
    }
    if (launch.child < 0 && errno != ENOSYS) return fail(errno, "clone the container's init");
  }
  if (launch.child < 0) {
    launch = {.child = ::fork(), .via_stage1 = true};
    if (launch.child < 0) return fail(errno, "fork");
    if (launch.child == 0) {
      pair.runtime_end.reset();
      run_stage1(ctx, new_flags);
    }
  }
  pair.init_end.reset();
  return launch;
}

Result<pid_t> await_init(const InitLaunch& launch, int runtime_end) {
  if (launch.via_stage1) {
    auto pid_text = sync_expect(runtime_end, SyncTag::init_pid, "the container's namespaces");
    reap(launch.child);
    if (!pid_text) return std::unexpected(std::move(pid_text).error());
    return parse_pid(*pid_text);
  }
  if (!launch.reports_join) return launch.child;
  if (auto r = sync_expect(runtime_end, SyncTag::joined, "the container's namespaces"); !r) {
    // Our own child, not yet reaped: its pid cannot have been reused.
    ::kill(launch.child, SIGKILL);
    reap(launch.child);
    return std::unexpected(std::move(r).error());
  }
  return launch.child;
}

}  // namespace mr::runtime
