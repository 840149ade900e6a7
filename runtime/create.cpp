// The runtime side of create: starts the init (spawn_init.hpp), configures the network
// and runs the runtime-namespace hooks while the init waits, then waits for the init to
// be ready.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <optional>

#include "base/rfc3339.hpp"
#include "network/service.hpp"
#include "runtime/cgroup_manager.hpp"
#include "runtime/console.hpp"
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/idmap_mount.hpp"
#include "base/log.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/network.hpp"
#include "runtime/process_handle.hpp"
#include "runtime/spawn_init.hpp"
#include "runtime/seccomp_filter.hpp"
#include "runtime/seccomp_listener.hpp"
#include "runtime/sync_socket.hpp"
#include "runtime/unix_socket.hpp"
#include "runtime/user_namespace.hpp"

namespace mr::runtime {

namespace {

// Undoes a half-made container unless dismissed: a failed create leaves nothing.
class CreateRollback {
 public:
  CreateRollback(const StateDir& dir, UniqueFd lock) : lock_(std::move(lock)), dir_(dir) {}
  ~CreateRollback() {
    if (dismissed_) return;
    if (state_) {
      // The namespace is held before the init goes, as delete does.
      auto reached = reach_before_end(dir_, &*state_, false);
      if (!reached) log_warn("undo create: " + reached.error().message());
      if (auto fd = open_process(state_->pid, state_->start_time); fd && *fd) {
        (void)pidfd_send_signal((*fd)->get(), SIGKILL);
        (void)pidfd_wait_exit((*fd)->get());
      }
      // runtime-spec lifecycle: a failed prestart, createRuntime or createContainer hook
      // stops the container and goes on at step 12, destroy, then 13, the poststop hooks
      // (whose failures only warn). As runc's destroy(), this holds for any failure once
      // the container has a state.
      if (auto r = destroy_container(dir_, *state_, reached ? &*reached : nullptr); !r)
        log_warn("undo create: " + r.error().message());
      return;
    }
    if (child_ > 0) {
      // Our own child, not yet reaped: its pid cannot have been reused.
      ::kill(child_, SIGKILL);
      while (::waitpid(child_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (auto r = remove_cgroups(cgroups_); !r) log_warn("undo create: " + r.error().message());
    if (auto r = remove_leftover(dir_, false); !r) log_warn("undo create: " + r.error().message());
  }
  int lock_fd() const { return lock_.get(); }
  void cgroups_made(const ContainerCgroups& cg) { cgroups_ = cg; }
  void child_started(pid_t child) { child_ = child; }
  void init_started(const State& st) { state_ = st; }
  void dismiss() { dismissed_ = true; }

 private:
  // The state directory's lock, let go only after the undo (members outlive the
  // destructor's body).
  UniqueFd lock_;
  StateDir dir_;
  ContainerCgroups cgroups_;
  pid_t child_ = -1;
  std::optional<State> state_;
  bool dismissed_ = false;
};

Result<std::string> absolute_rootfs(const std::string& bundle, const oci::Root& root) {
  if (root.path.empty()) return fail_input("/root/path", "root.path is missing");
  std::string p = root.path.front() == '/' ? root.path : bundle + "/" + root.path;
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return fail(errno, "root filesystem " + p);
  return std::string(buf);
}

// The spec's DNS and hosts entries become files in the state dir, bind-mounted
// read-only over the container's /etc/resolv.conf and /etc/hosts (as engines do): the
// bundle's rootfs is never written, and the mount destinations are resolved inside the
// rootfs like every other mount. Not yet into a user namespace: its root cannot walk
// into the state dir (0700), and a bind mount cannot take a source from the runtime's
// mount namespace through an fd (do_loopback() wants the caller's own mounts).
Result<void> add_etc_files(const netspec::NetworkSpec& spec, const StateDir& dir, oci::Config& cfg) {
  if ((spec.dns || !spec.hosts.empty()) && has_namespace(cfg, "user"))
    return fail(ENOTSUP, "the network spec's dns and hosts are not supported with a user namespace yet: their "
                         "files cannot be bind-mounted into it");
  auto add = [&](const std::string& name, const std::string& content) -> Result<void> {
    std::string path = dir.path() + "/" + name;
    MR_TRY(write_file_atomic(path, content, 0644));
    cfg.mounts.push_back({.destination = "/etc/" + name, .type = "bind", .source = path,
                          .options = {"rbind", "ro", "nosuid", "nodev", "noexec"}});
    return {};
  };
  if (spec.dns) MR_TRY(add("resolv.conf", netspec::render_resolv_conf(*spec.dns)));
  if (!spec.hosts.empty()) MR_TRY(add("hosts", netspec::render_hosts(spec.hosts)));
  return {};
}

// The states the create-time hooks see (runtime-spec: "creating" for prestart,
// createRuntime and createContainer; "created" for startContainer).
std::string hook_state(const State& st, Status status) { return state_json(st, status, false); }

// What create will make in the cgroups, all checked before anything is made.
struct CgroupIntent {
  CgroupHost host;
  CgroupPath path;
  ResourcePlan plan;
};

Result<std::optional<CgroupIntent>> plan_cgroups(const CreateRequest& req) {
  const oci::Linux& l = req.config->linux;
  if (req.cgroup_driver == CgroupDriver::disabled) {
    // podman's --cgroups=disabled still writes linux.resources; crun ignores it then.
    if (l.has_resources)
      log_warn("config.json:/linux/resources: resource limits are not applied: --cgroup-manager disabled makes no cgroups");
    if (!l.cgroups_path.empty())
      log_warn("linux.cgroupsPath \"" + l.cgroups_path + "\" is ignored: --cgroup-manager disabled makes no cgroups");
    return std::nullopt;
  }
  CgroupIntent in;
  in.path = MR_TRY_VALUE(resolve_cgroups_path(l.cgroups_path, default_cgroup_name(req.dir.root, req.dir.id), req.cgroup_driver));
  in.host = MR_TRY_VALUE(detect_cgroup_host());
  nlohmann::json resources = l.resources.empty() ? nlohmann::json() : nlohmann::json::parse(l.resources);
  in.plan = MR_TRY_VALUE(plan_resources(resources, in.host, true));
  // As runc, the nodes linux.devices makes are usable: an allow rule each.
  if (const Hierarchy* h = in.host.holding("devices"); h && h->version == 1) {
    for (std::size_t i = 0; i < l.devices.size(); ++i) {
      const oci::Device& d = l.devices[i];
      if (d.type == 'p') continue;
      std::string type = d.type == 'b' ? "b" : "c";
      in.plan.writes.push_back({h->key, "devices.allow",
                                type + " " + std::to_string(d.major) + ":" + std::to_string(d.minor) + " rwm",
                                "/linux/devices/" + std::to_string(i)});
    }
  }
  for (const auto& w : in.plan.warnings) log_warn(w);
  return in;
}

}  // namespace

Result<void> check_supported(const oci::Config& cfg) {
  MR_TRY(new_namespace_flags(cfg.linux.namespaces));
  if (!cfg.hostname.empty() && !has_namespace(cfg, "uts"))
    return fail_input("/hostname", "a hostname needs a uts namespace");
  if (!cfg.domainname.empty() && !has_namespace(cfg, "uts"))
    return fail_input("/domainname", "a domainname needs a uts namespace");
  // runc allows it, so it is not refused; but isolating the network is what mini-runc is
  // for, and the workload would share the caller's devices and addresses.
  if (!has_namespace(cfg, "network"))
    log_warn("linux.namespaces has no network namespace: the container shares the caller's network namespace");
  return {};
}

Result<State> create_container(const CreateRequest& req) {
  MR_TRY(check_supported(*req.config));
  auto cgroups = MR_TRY_VALUE(plan_cgroups(req));
  std::string rootfs = MR_TRY_VALUE(absolute_rootfs(req.bundle, req.config->root));
  // Made before the rollback, so that it is closed after it: a failed create kills the
  // init first, which would otherwise wake on the closed socket and report that too.
  auto pair = MR_TRY_VALUE(make_sync_pair());
  // Held until create has finished or rolled back, so that `cleanup` and `delete --force`
  // can tell a create under way from one whose runtime died (the kernel drops the lock
  // with the process).
  CreateRollback rollback(req.dir, MR_TRY_VALUE(make_state_dir(req.dir)));
  if (network::place(!owns_netns(*req.config), req.network ? req.network->net : netns::NetConfig{}).configure)
    MR_TRY(network::share_pin_directory(req.dir.root));
  oci::Config cfg = *req.config;
  if (req.network) MR_TRY(add_etc_files(*req.network, req.dir, cfg));
  // exec runs with the config as it was at create, not as the bundle may have it later.
  MR_TRY(write_file_atomic(req.dir.kept_config(), req.config_text));
  if (::mkfifo(req.dir.exec_fifo().c_str(), 0600) != 0) return fail(errno, "mkfifo " + req.dir.exec_fifo());
  UniqueFd fifo(::open(req.dir.exec_fifo().c_str(), O_PATH | O_CLOEXEC));
  if (!fifo) return fail(errno, "open " + req.dir.exec_fifo());
  // The init reopens it for writing as the root of its user namespace, who is "others"
  // to it (runc's mode too); only the fd reaches it: ROOT/ID is 0700.
  if (has_namespace(cfg, "user") && ::fchmodat(AT_FDCWD, req.dir.exec_fifo().c_str(), 0622, 0) != 0)
    return fail(errno, "chmod " + req.dir.exec_fifo());
  UniqueFd console;
  if (cfg.process.terminal) {
    if (req.console_socket.empty())
      return fail_input("/process/terminal", "terminal: true needs --console-socket");
    console = MR_TRY_VALUE(connect_unix_socket(req.console_socket, "console socket"));
  }

  // Made here, where the runtime is privileged over the sources' filesystems, and
  // inherited by the init (idmap_mount.hpp).
  IdmappedTrees idmapped = MR_TRY_VALUE(make_idmapped_trees(cfg, req.bundle));
  InitContext ctx{.config = &cfg, .bundle = req.bundle, .rootfs = rootfs, .exec_fifo = req.dir.exec_fifo(),
                  .exec_fifo_fd = fifo.get(),
                  .sync_fd = pair.init_end.get(), .preserve_fds = req.preserve_fds,
                  .console_socket = console.get(), .runtime_lock = rollback.lock_fd(), .idmapped = &idmapped};
  ContainerCgroups cg;
  if (cgroups) {
    MR_TRY(save_cgroup_record(req.dir, cgroups_to_make(cgroups->host, cgroups->path)));
    cg = MR_TRY_VALUE(make_cgroups(cgroups->host, cgroups->path));
    rollback.cgroups_made(cg);
    MR_TRY(apply_plan(cg, cgroups->plan));
    if (makes_user_namespace(cfg)) {
      HostIds root = container_root(cfg.linux);
      MR_TRY_CTX(delegate_cgroup(cg, root.uid, root.gid), "cgroups");
    }
  }
  InitLaunch launch = MR_TRY_VALUE(launch_init(ctx, pair));
  idmapped.reset();  // the init has its own copies of the fds
  int sock = pair.runtime_end.get();
  // Stage 1 or the init waits for this before it makes a cgroup namespace or runs
  // anything of the workload; its children inherit its cgroups.
  rollback.child_started(launch.child);
  if (!cg.empty()) MR_TRY_CTX(add_process(cg, launch.child), "cgroups");
  MR_TRY(sync_send(sock, SyncTag::placed));
  if (makes_user_namespace(cfg)) {
    MR_TRY(sync_expect(sock, SyncTag::userns, "the container's user namespace"));
    MR_TRY_CTX(write_id_maps(launch.child, cfg.linux), "user namespace");
    MR_TRY(sync_send(sock, SyncTag::mapped));
  }
  pid_t init = MR_TRY_VALUE(await_init(launch, sock));
  // Reaped by await_init when it was stage 1.
  rollback.child_started(launch.via_stage1 ? -1 : launch.child);

  State st;
  st.id = req.dir.id;
  st.bundle = req.bundle;
  st.pid = init;
  st.start_time = MR_TRY_VALUE(read_proc_stat(st.pid)).start_time;
  st.annotations = cfg.annotations;
  st.created = now_rfc3339();
  st.own_netns = owns_netns(cfg);
  st.poststart = cfg.hooks.poststart;
  st.poststop = cfg.hooks.poststop;
  st.creating = true;
  st.cgroups = cg;
  rollback.init_started(st);
  MR_TRY(save_state(req.dir, st));

  ContainerNetContext net{.id = st.id, .state_dir = req.dir.path(), .pid = st.pid, .start_time = st.start_time,
                          .own_netns = st.own_netns, .spec = req.network};
  if (auto r = setup_network(net); !r) {
    // The init's namespace gone is most often an init that failed first: its error says why.
    if (auto early = pending_error(sock)) return std::unexpected(std::move(*early));
    return std::unexpected(std::move(r).error().wrap("network"));
  }
  MR_TRY(sync_expect(sock, SyncTag::mounted, "the container's root filesystem"));
  std::string creating = hook_state(st, Status::creating);
  MR_TRY(run_hooks(cfg.hooks.prestart, "prestart", creating));
  MR_TRY(run_hooks(cfg.hooks.create_runtime, "createRuntime", creating));
  MR_TRY(sync_send(sock, SyncTag::go, creating + '\0' + hook_state(st, Status::created)));
  if (cfg.linux.seccomp && has_notify_rules(*cfg.linux.seccomp)) {
    auto m = MR_TRY_VALUE(sync_expect_message(sock, SyncTag::seccomp_fd, "the init's seccomp notify fd"));
    if (!m.fd) return fail(EPROTO, "the init's seccomp notify fd did not come");
    MR_TRY_CTX(send_to_seccomp_listener(*cfg.linux.seccomp, m.fd.get(), st.pid, creating), "seccomp");
    MR_TRY(sync_send(sock, SyncTag::seccomp_done));
  }
  MR_TRY(sync_expect(sock, SyncTag::created, "the container's init"));
  st.creating = false;
  MR_TRY(save_state(req.dir, st));

  if (!req.pid_file.empty()) MR_TRY(write_file_atomic(req.pid_file, std::to_string(st.pid), 0644));
  rollback.dismiss();
  return st;
}

}  // namespace mr::runtime
