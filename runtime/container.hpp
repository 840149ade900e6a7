// The container lifecycle as a library: the commands in cmd_*.cpp parse their flags and
// call these.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

#include "network/service.hpp"
#include "base/error.hpp"
#include "oci/config.hpp"
#include "netspec/network_spec.hpp"
#include "runtime/cgroup_path.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {


struct CreateRequest {
  StateDir dir;
  std::string bundle;  // absolute
  const oci::Config* config = nullptr;
  const netspec::NetworkSpec* network = nullptr;  // checked against the host already
  int preserve_fds = 0;         // fds 3 .. 3+N-1 are passed to the process
  std::string console_socket;   // for process.terminal: where the pty master is sent
  std::string pid_file;
  std::string config_text;  // config.json as read, kept in ROOT/ID for `exec`
  CgroupDriver cgroup_driver = CgroupDriver::cgroupfs;
};

// Makes the container's namespaces and root filesystem and leaves its init blocked on
// exec.fifo until start_container(). The network is configured before this returns.
// On failure nothing is left behind: init killed, network torn down, state removed, and
// once the state existed, the poststop hooks run (runtime-spec lifecycle).
Result<State> create_container(const CreateRequest& req);

// Lets a created container's init go on to exec the process; runs poststart hooks.
Result<void> start_container(const StateDir& dir, const State& st);

// Freezes (pause) or thaws (resume) the container's cgroup: runc's pause needs a
// running container, resume a paused one.
Result<void> pause_container(const StateDir& dir, const State& st, bool frozen);

// Writes `resources` (linux.resources) to the container's cgroups, checked first as create
// checks it; runc's update needs a container that is not stopped.
Result<void> update_container(const StateDir& dir, const State& st, const nlohmann::json& resources);

Result<void> kill_container(const StateDir& dir, const State& st, int sig, bool all);

struct DeleteOptions {
  // Kill the container first if it still runs; remove a directory whose create died
  // before it saved a state.
  bool force = false;
  // Give up the pending network steps of a container whose network namespace is out of
  // reach (its pin made in a mount namespace not seen from here, its init gone): the
  // devices stay where they are, a warning naming each. Without it such a container is
  // refused, and nothing is killed or removed.
  bool forget_network = false;
};

// Removes a stopped container (or, with force, kills it first): network teardown,
// poststop hooks, state directory. The network namespace is reached, and held, before
// the init is killed.
Result<void> delete_container(const StateDir& dir, const DeleteOptions& opts);

// The cgroups a create that died before saving its state had recorded (and maybe made):
// their processes killed, the directories it made removed.
Result<void> remove_unsaved_cgroups(const StateDir& dir);

// Removes ROOT/ID whose create died before it saved a state (the caller holds its lock):
// its network, if any, is undone as delete does.
Result<void> remove_leftover(const StateDir& dir, bool forget_network);

// The network of a container about to end, reached before its init is (see
// reach_network()); a container whose network is out of reach is an error in one line
// that names what would be lost and `mini-runc delete --force --forget-network`, unless
// `forget`.
Result<netns::ReachedNetwork> reach_before_end(const StateDir& dir, const State* st, bool forget);
// "its network namespace is out of reach (...), so nic0 cannot be given back; nothing
// was changed: `mini-runc delete --force --forget-network ID` ..."
std::string out_of_reach_text(const StateDir& dir, const netns::ReachedNetwork& reached);

// What cleanup_container() did with one state directory.
enum class Cleanup { removed, alive, busy, out_of_reach };
struct CleanupOutcome {
  Cleanup what = Cleanup::alive;
  std::string why;  // for removed: what made it a leftover; for out_of_reach: out_of_reach_text()
};

// Removes ROOT/ID when it is a leftover: its init is gone, or its create never finished
// (the runtime that made it died: nothing holds its lock), or it has no state at all.
// Like delete, it undoes the network journal (devices go home, veths and macvlans made
// for it go), unpins the namespace and runs poststop hooks. A created or running
// container is left alone, and so is one whose lock another command holds.
Result<CleanupOutcome> cleanup_container(const StateDir& dir);

// Teardown shared by delete and the end of a foreground run: with `reached`
// (reach_before_end()) as it was before the init ended, else reached here. When the
// network cannot be given back whole, the container stays (stopped, with its journal
// and pin) and the error says what is pending.
Result<void> destroy_container(const StateDir& dir, const State& st, netns::ReachedNetwork* reached = nullptr,
                               bool forget_network = false);

// Checks that the config asks for nothing mini-runc cannot do (user namespaces, a
// config without a mount namespace, a hostname without a uts one) and warns about what
// it ignores (cgroupsPath) or what leaves the container unisolated (no network namespace).
Result<void> check_supported(const oci::Config& cfg);

}  // namespace mr::runtime
