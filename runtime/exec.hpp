// `exec`: another process in a running container, as runc's setns process: it joins
// every namespace and cgroup of the container's init, gets the process's rlimits, oom
// score, capabilities and identity, and execs the command found in its own PATH. The
// config is the one create kept (StateDir::kept_config()), never the bundle's.
//
//   mini-runc exec ──fork──► stage 1: waits until the runtime has put it in the init's
//        │                   cgroups, setns() into each namespace of the init that is
//        │                   not already ours, clone(CLONE_PARENT) ─► the process
//        │◄── 'P' pid ────── stage 1 exits            (a child of mini-runc, in the
//        │◄── EOF on exec, or 'E' error ─────────────  container's pid namespace)
//        └─ foreground: forwards signals and waits for it, its status becomes ours;
//           --detach: returns, and the process is reparented (to the engine when it is
//           a child subreaper, as conmon is)
#pragma once

#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

struct ExecRequest {
  StateDir dir;
  State state;
  const oci::Config* config = nullptr;  // kept at create
  oci::Process process;                 // what to run (the config's, with the flags applied)
  std::string console_socket;           // for process.terminal: where the pty master goes
  std::string pid_file;                 // the process's pid, as the host sees it
  int preserve_fds = 0;
  bool detach = false;
};

// The config create kept in ROOT/ID.
Result<oci::Config> load_kept_config(const StateDir& dir);

// Refuses a container that is not running, in one line, as runc does.
Result<void> check_exec_status(const StateDir& dir, const State& st, bool ignore_paused);

// Runs the process; returns its exit status (runc's: 128+N when killed by signal N) in
// the foreground, or 0 once it runs with `detach`.
Result<int> exec_process(const ExecRequest& req);

}  // namespace mr::runtime
