// The seam between the container lifecycle and the network isolation backend. The
// runtime calls setup_network() once the container's namespaces exist and before its
// init goes on to exec (the init waits on the sync socket meanwhile), and
// teardown_network() when the workload has ended or on delete.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "network/service.hpp"
#include "base/error.hpp"
#include "netspec/network_spec.hpp"

namespace mr::runtime {


struct ContainerNetContext {
  std::string id;
  std::string state_dir;      // ROOT/ID
  pid_t pid = 0;              // the container's init (0 when unknown)
  uint64_t start_time = 0;    // of pid (/proc/PID/stat): tells it from a later process with its pid
  bool own_netns = false;     // a new netns made for this container (not joined by path)
  const netspec::NetworkSpec* spec = nullptr;  // what to apply; null: loopback only

  // The state directory as the netns library knows it, the init the second way to the
  // namespace after the pin.
  netns::ContainerNetworkDir where() const;
};

// Pins the container's new network namespace under the state directory and applies the
// network spec to it (netns/container_network.hpp), journalled there so that delete
// can undo it from another process. A namespace joined by path (linux.namespaces[].path)
// is configured only as the service's rule says (network::place()).
Result<void> setup_network(ContainerNetContext& ctx);

// What teardown_network() will need, reached while the container's init may still run:
// the journal and, while steps are pending, the namespace (through the pin, else the
// init), held open from here on. Called before the init is ended, so that its end
// cannot take devices lent to the container with it.
Result<netns::ReachedNetwork> reach_network(const ContainerNetContext& ctx);

// Undoes setup_network from the state directory alone: moved devices go home, veths
// and macvlans made go away, the pin goes. Can be repeated. `reached` is reach_network()'s
// (null: reached here). A journal with pending steps whose namespace is out of reach is
// an error that changes nothing, unless `forget`: then the steps are given up, a warning
// naming each device.
Result<void> teardown_network(const ContainerNetContext& ctx, netns::ReachedNetwork* reached = nullptr,
                              bool forget = false);

}  // namespace mr::runtime
