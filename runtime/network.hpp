// The seam between the container lifecycle and the network isolation backend. The
// runtime calls setup_network() once the container's namespaces exist and before its
// init goes on to exec (the init waits on the sync socket meanwhile), and
// teardown_network() when the workload has ended or on delete.
#pragma once

#include <sys/types.h>

#include <string>

#include "netns/error.hpp"
#include "oci/config.hpp"
#include "oci/network_spec.hpp"

namespace mr::runtime {

using netns::Result;

struct ContainerNetContext {
  std::string id;
  std::string state_dir;      // ROOT/ID
  std::string pin_path;       // where the container's netns is pinned (state_dir/netns)
  pid_t pid = 0;              // the container's init (0 at teardown if it is gone)
  bool own_netns = false;     // a new netns made for this container (not joined by path)
  const oci::Config* config = nullptr;  // null at teardown (delete has no config)
  const oci::NetworkSpec* spec = nullptr;  // what to apply; null: loopback only
};

// Pins the container's new network namespace under the state directory and applies the
// network spec to it (netns/container_network.hpp), journalled there so that delete
// can undo it from another process. A joined namespace (linux.namespaces[].path)
// belongs to someone else and is left as it is.
Result<void> setup_network(ContainerNetContext& ctx);
// Undoes setup_network from the state directory alone: moved devices go home, veths
// and macvlans made go away, the pin goes. Can be repeated.
Result<void> teardown_network(ContainerNetContext& ctx);

}  // namespace mr::runtime
