// start, kill and delete: each finds the container's init again by pid and start time.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <csignal>

#include "base/fault.hpp"
#include "runtime/cgroup_freezer.hpp"
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "base/log.hpp"
#include "runtime/network.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

namespace {

Result<UniqueFd> open_init(const State& st) {
  auto fd = MR_TRY_VALUE(open_process(st.pid, st.start_time));
  if (!fd) return fail(ESRCH, "container \"" + st.id + "\" is not running");
  return std::move(*fd);
}

ino_t pid_namespace(const std::string& pid) {
  struct stat sb{};
  if (::stat(("/proc/" + pid + "/ns/pid").c_str(), &sb) != 0) return 0;
  return sb.st_ino;
}

// Every process of the container's cgroup, as runc's signalAllProcesses: the cgroup is
// frozen meanwhile where a freezer is at hand, so that none forks a child unseen.
// A container paused before stays frozen (its signals are delivered once resumed).
Result<void> signal_cgroup(const State& st, int sig) {
  bool froze_here = !cgroup_frozen(st.cgroups) && freeze_cgroup(st.cgroups, true).has_value();
  auto sent = signal_cgroup_members(st.cgroups, sig, st.pid);
  if (froze_here) MR_TRY_CTX(freeze_cgroup(st.cgroups, false), "thaw after signalling");
  return sent;
}

// Without cgroups, the container's processes are found by their pid namespace; only
// done when the container has its own (else it would be every process on the host).
// Without one, only the init is signalled: its other namespaces do not tell its
// processes apart either (a mount namespace may be joined by path and shared).
Result<void> signal_all(const State& st, int sig) {
  ino_t ns = pid_namespace(std::to_string(st.pid));
  if (ns == 0) return {};
  if (ns == pid_namespace("self")) {
    log_warn("kill --all: container \"" + st.id +
             "\" has no pid namespace of its own, so only its init is signalled (it has no cgroup "
             "to find its other processes by: --cgroup-manager disabled)");
    return {};
  }
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir("/proc"), &::closedir);
  if (!d) return fail(errno, "list /proc");
  std::vector<pid_t> pids;
  while (dirent* e = ::readdir(d.get())) {
    pid_t pid = 0;
    std::string_view name = e->d_name;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || p != name.data() + name.size() || pid == st.pid) continue;
    if (pid_namespace(std::string(name)) == ns) pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    auto fd = pidfd_open(pid);
    // Checked again through the pidfd's process: the pid may have been reused since.
    if (fd && pid_namespace(std::to_string(pid)) == ns) (void)pidfd_send_signal(fd->get(), sig);
  }
  return {};
}

}  // namespace

Result<void> start_container(const StateDir& dir, const State& st) {
  auto lock = MR_TRY_VALUE(lock_state_dir(dir));
  Status status = current_status(dir, st);
  if (status != Status::created)
    return fail(EINVAL, "container \"" + st.id + "\" is " + to_string(status) + ", not created");
  auto init = MR_TRY_VALUE(open_init(st));
  // Non-blocking open: it succeeds at once and lets the init's blocked open for
  // writing complete; then wait for its byte, or for the init to die.
  UniqueFd fifo(::open(dir.exec_fifo().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) return fail(errno, "open " + dir.exec_fifo());
  pollfd p[2] = {{.fd = fifo.get(), .events = POLLIN}, {.fd = init.get(), .events = POLLIN}};
  char answer[4096];
  ssize_t n = 0;
  for (;;) {
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "wait for the container's init");
    }
    if ((p[0].revents & POLLIN) && (n = ::read(fifo.get(), answer, sizeof answer)) > 0) break;
    if (p[1].revents & POLLIN) return fail(ESRCH, "the container's init exited before it could start");
  }
  if (answer[0] != '0') {
    (void)pidfd_wait_exit(init.get());  // it exits right after answering
    (void)::unlink(dir.exec_fifo().c_str());
    return fail(0, std::string(answer + 1, static_cast<std::size_t>(n - 1)));
  }
  // MR_PAUSE_IN_START=1: the init's answer read, exec.fifo not yet removed.
  (void)FaultInjector::pausing_at("MR_PAUSE_IN_START").step("remove exec.fifo");
  // The init execs only once the fifo is gone and this end closed (init.cpp,
  // wait_for_start): from then on no status read finds a fifo while the workload runs.
  if (::unlink(dir.exec_fifo().c_str()) != 0) return fail(errno, "remove " + dir.exec_fifo());
  fifo.reset();
  run_hooks_warn(st.poststart, "poststart", state_json(st, Status::running, false));
  return {};
}

Result<void> pause_container(const StateDir& dir, const State& st, bool frozen) {
  auto lock = MR_TRY_VALUE(lock_state_dir(dir));
  Status status = current_status(dir, st);
  Status needed = frozen ? Status::running : Status::paused;
  if (status != needed)
    return fail(EINVAL, "container \"" + st.id + "\" is " + to_string(status) + ", not " + to_string(needed));
  if (st.cgroups.empty()) return fail(ENOTSUP, "container \"" + st.id + "\" has no cgroup to freeze");
  return freeze_cgroup(st.cgroups, frozen);
}

Result<void> update_container(const StateDir& dir, const State& st, const nlohmann::json& resources) {
  auto lock = MR_TRY_VALUE(lock_state_dir(dir));
  Status status = current_status(dir, st);
  if (status == Status::stopped) return fail(ESRCH, "container \"" + st.id + "\" is not running");
  if (st.cgroups.empty()) return fail(ENOTSUP, "container \"" + st.id + "\" has no cgroup to update");
  auto host = MR_TRY_VALUE(detect_cgroup_host());
  auto plan = MR_TRY_VALUE(plan_resources(resources, host, false));
  // Raising a v1 memory limit above memory+swap needs memory+swap raised first.
  auto first = plan.writes;
  std::stable_partition(first.begin(), first.end(), [](const CgroupWrite& w) { return w.file == "memory.memsw.limit_in_bytes"; });
  ResourcePlan swapped{first, {}};
  if (auto r = apply_plan(st.cgroups, plan); !r) {
    if (auto again = apply_plan(st.cgroups, swapped); !again) return std::unexpected(std::move(r).error());
  }
  return {};
}

Result<void> kill_container(const StateDir& dir, const State& st, int sig, bool all) {
  auto lock = MR_TRY_VALUE(lock_state_dir(dir));
  Status status = current_status(dir, st);
  if (status == Status::stopped) return fail(ESRCH, "container \"" + st.id + "\" is not running");
  auto init = MR_TRY_VALUE(open_init(st));
  if (all) MR_TRY(st.cgroups.empty() ? signal_all(st, sig) : signal_cgroup(st, sig));
  return pidfd_send_signal(init.get(), sig);
}

std::string out_of_reach_text(const StateDir& dir, const netns::ReachedNetwork& reached) {
  std::string root = dir.root == kDefaultRoot ? "" : "--root " + dir.root + " ";
  return reached.out_of_reach_message() + "; nothing was changed: `mini-runc " + root +
         "delete --force --forget-network " + dir.id + "` removes the container and gives them up";
}

Result<netns::ReachedNetwork> reach_before_end(const StateDir& dir, const State* st, bool forget) {
  ContainerNetContext net{.id = dir.id, .state_dir = dir.path()};
  if (st) {
    net.pid = st->pid;
    net.start_time = st->start_time;
  }
  auto reached = MR_TRY_VALUE(reach_network(net));
  if (reached.out_of_reach() && !forget)
    return fail(0, "container \"" + dir.id + "\": " + out_of_reach_text(dir, reached));
  return reached;
}

Result<void> destroy_container(const StateDir& dir, const State& st, netns::ReachedNetwork* reached,
                               bool forget_network) {
  ContainerNetContext net{.id = st.id, .state_dir = dir.path(), .pid = st.pid, .start_time = st.start_time,
                          .own_netns = st.own_netns};
  // While a step of the network is pending, the directory keeps what undo needs (the
  // journal, the pin) and the state that lists the container, for the next delete or
  // cleanup to try again; its poststop hooks run once it is gone.
  MR_TRY_CTX(teardown_network(net, reached, forget_network), "network teardown");
  // The init is gone; processes it left in a shared pid namespace are not waited for
  // beyond remove_cgroups' bound, and a cgroup they keep busy is named in a warning.
  if (auto r = remove_cgroups(st.cgroups); !r) log_warn("cgroups: " + r.error().message());
  if (auto r = remove_state_dir(dir); !r) log_warn(r.error().message());
  run_hooks_warn(st.poststop, "poststop", state_json(st, Status::stopped, false));
  return {};
}

Result<void> remove_unsaved_cgroups(const StateDir& dir) {
  auto record = MR_TRY_VALUE(load_cgroup_record(dir));
  if (!record) return {};
  MR_TRY_CTX(remove_abandoned_cgroups(*record), "cgroups of a create that died");
  return {};
}

Result<void> remove_leftover(const StateDir& dir, bool forget_network) {
  MR_TRY(remove_unsaved_cgroups(dir));
  auto reached = MR_TRY_VALUE(reach_before_end(dir, nullptr, forget_network));
  ContainerNetContext net{.id = dir.id, .state_dir = dir.path()};
  MR_TRY_CTX(teardown_network(net, &reached, forget_network), "network teardown");
  return remove_state_dir(dir);
}

Result<void> delete_container(const StateDir& dir, const DeleteOptions& opts) {
  auto lock = MR_TRY_VALUE(lock_state_dir(dir));
  auto st = load_state(dir);
  if (!st) {
    // With the lock ours, no create is under way (a create holds it from its mkdir on):
    // this directory is what one that died before saving its state left.
    if (st.error().err == ENOENT && opts.force) return remove_leftover(dir, opts.forget_network);
    return std::unexpected(std::move(st).error());
  }
  Status status = current_status(dir, *st);
  if (status != Status::stopped && !opts.force)
    return fail(EBUSY, "container \"" + st->id + "\" is " + to_string(status) +
                                  ": stop it first or use delete --force");
  // Held from here until the teardown is done: killing the init cannot end the
  // namespace with the devices lent to it inside (the kernel would destroy the virtual
  // ones and send the physical ones home renamed).
  auto reached = MR_TRY_VALUE(reach_before_end(dir, &*st, opts.forget_network));
  if (status != Status::stopped) {
    // A frozen task takes SIGKILL only once thawed (runc's destroy thaws first too).
    if (status == Status::paused) MR_TRY_CTX(freeze_cgroup(st->cgroups, false), "thaw before kill");
    auto init = open_process(st->pid, st->start_time);
    if (init && *init) {
      MR_TRY(pidfd_send_signal((*init)->get(), SIGKILL));
      MR_TRY(pidfd_wait_exit((*init)->get()));
    }
    // What the init leaves behind outside its pid namespace (or in none of its own).
    if (!st->cgroups.empty()) (void)signal_cgroup(*st, SIGKILL);
  }
  return destroy_container(dir, *st, &reached, opts.forget_network);
}

}  // namespace mr::runtime
