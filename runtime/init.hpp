// The container's init (pid 1 of a new pid namespace), already in all its namespaces
// (spawn_init.hpp): builds the root filesystem, waits for `start` on exec.fifo and
// execs the process. Runs in the child only.
#pragma once

#include <string>

#include "oci/config.hpp"

namespace mr::runtime {

class IdmappedTrees;

struct InitContext {
  const oci::Config* config = nullptr;
  std::string bundle;
  std::string rootfs;     // absolute host path
  std::string exec_fifo;  // absolute host path
  // exec.fifo opened O_PATH by the runtime: the init of a user namespace is no longer
  // root on the host and cannot walk into the state directory (0700) itself.
  int exec_fifo_fd = -1;
  int sync_fd = -1;
  int preserve_fds = 0;
  int console_socket = -1;  // connected --console-socket when process.terminal
  // The state directory's flock, the runtime's alone: a flock belongs to the open file,
  // which a forked child shares and would keep locked until it execs (at start), so
  // every child closes its copy first thing.
  int runtime_lock = -1;
  // The id-mapped mounts' trees, made by the runtime; the init inherits their fds.
  const IdmappedTrees* idmapped = nullptr;
};

[[noreturn]] void run_init(const InitContext& ctx);

}  // namespace mr::runtime
