#include "runtime/exec.hpp"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <optional>
#include <vector>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "oci/config_loader.hpp"
#include "oci/json_input.hpp"
#include "runtime/cgroup_join.hpp"
#include "runtime/console.hpp"
#include "runtime/process_attrs.hpp"
#include "runtime/process_exec.hpp"
#include "runtime/seccomp_filter.hpp"
#include "runtime/seccomp_listener.hpp"
#include "runtime/process_handle.hpp"
#include "runtime/signals.hpp"
#include "runtime/sync_socket.hpp"
#include "runtime/unix_socket.hpp"
#include "runtime/user_namespace.hpp"

namespace mr::runtime {

namespace {

// The order runc's nsexec joins them in: the user namespace first, as it owns the
// others and grants the capabilities to join them (user_namespaces(7)); the mount
// namespace last, since setns() into it also moves our root and cwd to its root
// (mntns_install()), which is the container's root filesystem after its pivot_root.
struct NamespaceKind {
  const char* name;  // under /proc/PID/ns
  int flag;
};
constexpr NamespaceKind kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},
    {"pid", CLONE_NEWPID},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS},
};

struct NamespaceJoin {
  UniqueFd fd;
  const NamespaceKind* kind;
};

// The init's namespaces that are not already ours: setns() into one's own user
// namespace is EINVAL (userns_install()), and there is nothing to do for the others.
Result<std::vector<NamespaceJoin>> open_namespaces(pid_t pid) {
  std::vector<NamespaceJoin> out;
  for (const auto& kind : kNamespaces) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind.name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno == ENOENT) continue;  // a kernel without this namespace type
    if (!fd) return fail(errno, "open " + path);
    struct stat theirs{}, ours{};
    if (::fstat(fd.get(), &theirs) != 0) return fail(errno, "stat " + path);
    std::string own = std::string("/proc/self/ns/") + kind.name;
    if (::stat(own.c_str(), &ours) != 0) return fail(errno, "stat " + own);
    if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) continue;
    out.push_back({std::move(fd), &kind});
  }
  return out;
}

// A pidfd polls readable once its process has exited (pidfd_poll()).
bool has_exited(int pidfd) {
  pollfd p{.fd = pidfd, .events = POLLIN};
  return ::poll(&p, 1, 0) > 0;
}

struct ChildContext {
  const ExecRequest* req;
  std::vector<NamespaceJoin>* namespaces;
  int sync_fd;
  int console;
};

// The process itself: in the container's namespaces and cgroups already.
Result<void> run_process(const ChildContext& c) {
  const oci::Process& p = c.req->process;
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the runtime blocks what it forwards
  if (p.terminal) MR_TRY_CTX(setup_terminal(c.console), "terminal");
  MR_TRY(apply_rlimits(p));
  MR_TRY(apply_oom_score_adj(p));
  std::string exe = MR_TRY_VALUE(find_executable(p));
  // The container's linux.seccomp (from the config kept at create), loaded in the
  // init's order (apply_identity_and_seccomp) for this process's noNewPrivileges.
  std::optional<SeccompFilter> filter;
  if (const auto& sc = c.req->config->linux.seccomp) filter = MR_TRY_VALUE(build_seccomp_filter(*sc));
  MR_TRY(pass_fds(c.req->preserve_fds));
  MR_TRY(apply_identity_and_seccomp(p, filter ? &*filter : nullptr));
  if (filter && has_notify_rules(*c.req->config->linux.seccomp)) {
    auto notify = MR_TRY_VALUE(take_notify_fd(*filter));
    MR_TRY(sync_send_fd(c.sync_fd, SyncTag::seccomp_fd, notify.get()));
    MR_TRY(sync_expect(c.sync_fd, SyncTag::seccomp_done, "the runtime to hand the seccomp listener its fd"));
  }
  std::vector<char*> argv, envp;
  for (const auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(exe.c_str(), argv.data(), envp.data());
  return fail(errno, "exec " + exe);
}

[[noreturn]] void process_main(const ChildContext& c) {
  auto r = run_process(c);
  (void)sync_send(c.sync_fd, SyncTag::error, r ? "exec returned" : r.error().message());
  ::_exit(127);
}

// Stage 1: joins the namespaces (a joined pid namespace applies to the children forked
// afterwards only, setns(2)), then forks the process as a sibling: CLONE_PARENT makes
// it the runtime's child, which can wait for it.
Result<void> stage1(const ChildContext& c) {
  MR_TRY(sync_expect(c.sync_fd, SyncTag::go, "the runtime to join the container's cgroups"));
  bool joins_user = !c.namespaces->empty() && c.namespaces->front().kind->flag == CLONE_NEWUSER;
  // What only the host's root may do, done while this process still is it.
  if (joins_user) MR_TRY(apply_host_privileged(c.req->process));
  for (auto& ns : *c.namespaces)
    if (::setns(ns.fd.get(), ns.kind->flag) != 0)
      return fail(errno, std::string("join the container's ") + ns.kind->name + " namespace");
  if (joins_user) MR_TRY(become_namespace_root());
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0));
  if (pid < 0) return fail(errno, "clone the process into the container's pid namespace");
  if (pid == 0) process_main(c);
  return sync_send(c.sync_fd, SyncTag::init_pid, std::to_string(pid));
}

[[noreturn]] void stage1_main(const ChildContext& c) {
  auto r = stage1(c);
  if (!r) (void)sync_send(c.sync_fd, SyncTag::error, r.error().message());
  ::_exit(r ? 0 : 1);
}

// Reaps a child of ours that is known not to have been reaped yet.
void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Kills and reaps what was started when launching fails half-way.
class LaunchGuard {
 public:
  ~LaunchGuard() {
    for (pid_t p : {process, stage1}) {
      if (p <= 0) continue;
      ::kill(p, SIGKILL);
      reap(p);
    }
  }
  pid_t stage1 = -1;
  pid_t process = -1;
};

// Returns the pid of the process once it has exec'd.
Result<pid_t> launch(const ExecRequest& req, std::vector<NamespaceJoin>& namespaces,
                     const std::vector<std::string>& cgroups, int console) {
  auto pair = MR_TRY_VALUE(make_sync_pair());
  LaunchGuard guard;
  guard.stage1 = ::fork();
  if (guard.stage1 < 0) return fail(errno, "fork");
  if (guard.stage1 == 0) {
    pair.runtime_end.reset();
    stage1_main({.req = &req, .namespaces = &namespaces, .sync_fd = pair.init_end.get(), .console = console});
  }
  pair.init_end.reset();
  int sock = pair.runtime_end.get();
  // Stage 1 joins the cgroups before it forks, so that the process is in them from its
  // first instruction on (a child starts in its parent's cgroups, cgroups(7)).
  MR_TRY_CTX(join_cgroups(cgroups, guard.stage1), "join the container's cgroups");
  MR_TRY(sync_send(sock, SyncTag::go));
  std::string pid_text = MR_TRY_VALUE(sync_expect(sock, SyncTag::init_pid, "the exec'd process's pid"));
  guard.process = static_cast<pid_t>(std::stol(pid_text));
  reap(guard.stage1);
  guard.stage1 = -1;
  // The socket's last copy is the process's, closed by its exec (SOCK_CLOEXEC): EPIPE
  // then means it runs; an error it reports comes as a message.
  auto msg = sync_recv(sock);
  if (msg && msg->tag == SyncTag::seccomp_fd && msg->fd && req.config->linux.seccomp) {
    const oci::Seccomp& seccomp = *req.config->linux.seccomp;
    MR_TRY_CTX(send_to_seccomp_listener(seccomp, msg->fd.get(), guard.process,
                                        state_json(req.state, Status::running, false)),
               "seccomp");
    MR_TRY(sync_send(sock, SyncTag::seccomp_done));
    msg = sync_recv(sock);
  }
  if (msg && msg->tag == SyncTag::error) return std::unexpected(sys_error(0, msg->payload));
  if (msg) return fail(EPROTO, "unexpected message from the exec'd process");
  if (msg.error().err != EPIPE) return std::unexpected(std::move(msg).error());
  pid_t pid = guard.process;
  guard.process = -1;
  return pid;
}

}  // namespace

Result<oci::Config> load_kept_config(const StateDir& dir) {
  auto text = oci::read_input_file(dir.kept_config());
  if (!text && text.error().err == ENOENT)
    return fail(ENOENT, "container \"" + dir.id + "\" has no kept config.json (made by an older mini-runc?): "
                                                  "exec cannot run in it");
  if (!text) return std::unexpected(std::move(text).error());
  // Checked when create read it: its warnings were given then.
  oci::Diagnostics diag;
  return oci::parse_config(*text, dir.kept_config(), diag);
}

Result<void> check_exec_status(const StateDir& dir, const State& st, bool ignore_paused) {
  switch (current_status(dir, st)) {
    case Status::running: return {};
    // As runc: the process would join frozen cgroups and freeze at once.
    case Status::paused:
      if (ignore_paused) return {};
      return fail(0, "cannot exec in a paused container: resume it first (or --ignore-paused)");
    case Status::stopped: return fail(0, "cannot exec in a stopped container");
    case Status::creating:
    case Status::created: return fail(0, "cannot exec in a created container: start it first");
  }
  return {};
}

Result<int> exec_process(const ExecRequest& req) {
  const State& st = req.state;
  auto proc = MR_TRY_VALUE(open_process(st.pid, st.start_time));
  if (!proc) return fail(0, "cannot exec in a stopped container");
  auto namespaces = MR_TRY_VALUE(open_namespaces(st.pid));
  auto cgroups = MR_TRY_VALUE(cgroup_procs_files(st.pid));
  // Read through /proc/PID after the pidfd was opened: if the init still has not exited
  // now, they were its own, not those of a process that reused its pid.
  if (has_exited(proc->get())) return fail(0, "cannot exec in a stopped container");
  UniqueFd console;
  if (req.process.terminal) {
    if (req.console_socket.empty()) return fail(0, "a terminal (--tty) needs --console-socket: the pty master is sent there");
    console = MR_TRY_VALUE(connect_unix_socket(req.console_socket, "console socket"));
  }
  UniqueFd sigfd;
  if (!req.detach) {
    // Blocked before anything is forked, so that no signal meant for the process is lost.
    sigset_t set = forwarded_signals();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    sigfd.reset(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!sigfd) return fail(errno, "signalfd");
  }
  pid_t pid = MR_TRY_VALUE(launch(req, namespaces, cgroups, console.get()));
  if (!req.pid_file.empty()) {
    if (auto r = write_file_atomic(req.pid_file, std::to_string(pid), 0644); !r) {
      if (!req.detach) ::kill(pid, SIGKILL);
      return std::unexpected(std::move(r).error());
    }
  }
  if (req.detach) return 0;
  return wait_forwarding(sigfd.get(), pid);
}

}  // namespace mr::runtime
