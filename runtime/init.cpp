#include "runtime/init.hpp"

#include <sys/prctl.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <vector>

#include "base/unique_fd.hpp"
#include "runtime/console.hpp"
#include "runtime/hooks.hpp"
#include "runtime/idmap_mount.hpp"
#include "base/log.hpp"
#include "runtime/process_attrs.hpp"
#include "runtime/process_exec.hpp"
#include "runtime/rootfs.hpp"
#include "runtime/safe_path.hpp"
#include "runtime/seccomp_filter.hpp"
#include "runtime/sync_socket.hpp"

namespace mr::runtime {

namespace {


// Until `created` has been sent, errors go back to the runtime; after that, nobody
// waits on the socket, so they go to stderr.
struct InitPhase {
  bool created = false;
};

// Returns once `start` has closed its end of the fifo, if it removed the fifo first.
// A start killed before removing it leaves the fifo, and a container whose status
// would read "created" must not be running its workload: the init then stops here.
Result<void> wait_for_start(int writer, int fifo) {
  pollfd closed{.fd = writer, .events = 0};  // POLLERR once the fifo has no reader
  while (::poll(&closed, 1, -1) < 0)
    if (errno != EINTR) return fail(errno, "wait for start to close exec.fifo");
  struct stat sb{};
  if (::fstat(fifo, &sb) != 0) return fail(errno, "stat exec.fifo");
  if (sb.st_nlink != 0) return fail(ECANCELED, "start ended before it removed exec.fifo");
  return {};
}

Result<void> init_main(const InitContext& ctx, InitPhase& phase) {
  const oci::Config& cfg = *ctx.config;
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);  // the runtime blocks signals it forwards
  // Opened by the runtime before pivot_root hides the host's files; reopened for writing
  // through /proc/self/fd later, which blocks until `start` opens the other end.
  // (This process's copy of it, inherited across fork.)
  UniqueFd fifo(ctx.exec_fifo_fd);
  if (!fifo) return fail(EBADF, "open " + ctx.exec_fifo);

  // The mounts are made while the runtime configures the network; the prestart and
  // createRuntime hooks then find them made, as under runc (runtime-spec: createRuntime
  // runs once the environment is created, before pivot_root). What follows waits for
  // the runtime.
  const bool own_mounts = oci::has_namespace(cfg, "mount");
  // The fifo is reopened for writing through /proc, which a chroot without a mount
  // namespace leaves behind (the rootfs has no /proc mounted): this directory is kept.
  UniqueFd proc_fds(::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fds) return fail(errno, "open /proc/self/fd");
  static const IdmappedTrees kNoTrees;
  if (own_mounts)
    MR_TRY_CTX(prepare_rootfs(cfg, ctx.bundle, ctx.rootfs, ctx.idmapped ? *ctx.idmapped : kNoTrees),
               "root filesystem");
  MR_TRY(apply_hostname(cfg.hostname, cfg.domainname));
  MR_TRY(sync_send(ctx.sync_fd, SyncTag::mounted));

  std::string go = MR_TRY_VALUE(sync_expect(ctx.sync_fd, SyncTag::go, "the runtime to configure the namespaces"));
  auto sep = go.find('\0');
  std::string creating_json = go.substr(0, sep);
  std::string created_json = sep == std::string::npos ? go : go.substr(sep + 1);
  // In the container's namespaces, before pivot_root: the hook paths resolve in the
  // runtime's file tree (runtime-spec config.md, createContainer).
  MR_TRY(run_hooks(cfg.hooks.create_container, "createContainer", creating_json));
  if (own_mounts) {
    MR_TRY_CTX(pivot_into(ctx.rootfs), "root filesystem");
    MR_TRY(apply_sysctls(cfg.linux.sysctl));
    MR_TRY_CTX(finish_rootfs(cfg), "root filesystem");
    if (cfg.process.terminal) MR_TRY_CTX(setup_terminal(ctx.console_socket), "terminal");
  } else {
    // The host's /proc and /dev/pts, seen before the chroot: /proc/sys/net and the
    // other namespaced sysctls are those of the namespaces of the process writing them.
    MR_TRY(apply_sysctls(cfg.linux.sysctl));
    if (cfg.process.terminal) MR_TRY_CTX(setup_terminal(ctx.console_socket), "terminal");
    MR_TRY_CTX(chroot_into(ctx.rootfs), "root filesystem");
  }
  MR_TRY(apply_rlimits(cfg.process));
  MR_TRY(apply_oom_score_adj(cfg.process));
  std::string exe = MR_TRY_VALUE(find_executable(cfg.process));
  // Built now so that what libseccomp refuses fails `create`; loaded just before execve.
  std::optional<SeccompFilter> seccomp;
  if (cfg.linux.seccomp) {
    auto built = build_seccomp_filter(*cfg.linux.seccomp);
    if (!built) return std::unexpected(std::move(built).error().wrap("seccomp"));
    seccomp.emplace(std::move(*built));
  }

  // A filter that hands syscalls to a listener is loaded now, while the runtime running
  // create is there to pass its fd on (runc loads every filter at this point).
  if (seccomp && has_notify_rules(*cfg.linux.seccomp)) {
    if (cfg.process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      return fail(errno, "set no_new_privs");
    MR_TRY_CTX(load_seccomp_filter(*seccomp), "seccomp");
    auto notify = MR_TRY_VALUE(take_notify_fd(*seccomp));
    MR_TRY(sync_send_fd(ctx.sync_fd, SyncTag::seccomp_fd, notify.get()));
    MR_TRY(sync_expect(ctx.sync_fd, SyncTag::seccomp_done, "the runtime to hand the seccomp listener its fd"));
    seccomp.reset();
  }

  MR_TRY(sync_send(ctx.sync_fd, SyncTag::created));
  phase.created = true;
  // Returns once `start` has opened the fifo for reading.
  UniqueFd writer(::openat(proc_fds.get(), std::to_string(fifo.get()).c_str(), O_WRONLY | O_CLOEXEC));
  if (!writer) return fail(errno, "open exec.fifo for writing");
  // `start` waits for the outcome of the startContainer hooks: "0", or "E" and the error.
  auto hooks = run_hooks(cfg.hooks.start_container, "startContainer", created_json);
  std::string answer = hooks ? "0" : "E" + hooks.error().message();
  if (::write(writer.get(), answer.data(), answer.size()) != static_cast<ssize_t>(answer.size()))
    return fail(errno, "write exec.fifo");
  if (!hooks) ::_exit(127);  // reported by `start`
  MR_TRY(wait_for_start(writer.get(), fifo.get()));
  writer.reset();
  fifo.reset();
  proc_fds.reset();

  MR_TRY(pass_fds(ctx.preserve_fds));
  MR_TRY(apply_identity_and_seccomp(cfg.process, seccomp ? &*seccomp : nullptr));
  std::vector<char*> argv, envp;
  for (const auto& a : cfg.process.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : cfg.process.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(exe.c_str(), argv.data(), envp.data());
  return fail(errno, "exec " + exe);
}

}  // namespace

void run_init(const InitContext& ctx) {
  // The --log file is a host path: after pivot_root it would name a file in the
  // container. Errors travel back to the runtime instead, which logs them.
  log_configure({.program = "mini-runc"});
  InitPhase phase;
  auto r = init_main(ctx, phase);
  std::string msg = r ? "init returned" : r.error().message();
  if (phase.created || !sync_send(ctx.sync_fd, SyncTag::error, msg)) log_error("container init: " + msg);
  ::_exit(127);
}

}  // namespace mr::runtime
