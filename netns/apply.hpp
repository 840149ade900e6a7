// apply(): a NetConfig made real in a container's network namespace, as a transaction.
// Every step that changes the host or lends it a device is recorded in the Journal
// (and flushed) before it is made; if a step fails, what was recorded is undone newest
// first and the original error is returned. Container-only state (addresses, routes,
// sysctls, devices made inside the container) needs no record of its own: it goes with
// the devices or the namespace.
//
// Cost: targeted requests only (one link by name or index, the addresses and routes of
// one link), never a dump of the host namespace; one socket per namespace; devices are
// created in their final namespace under their final name, with MTU, MAC, master and
// up state in the creating request where the kernel allows it.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/journal.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/network_config.hpp"

namespace mr::netns {

class Netns;

struct ApplyTargets {
  NlSocket& host;
  const Netns& host_ns;
  const Netns& container;
  NlSocket& container_nl;  // a socket opened in `container`
  std::string container_id;  // names derived veth host ends
};

struct AppliedDevice {
  std::string name;       // its name in the container (a template resolved)
  int index = 0;          // its ifindex in the container
  std::string host_name;  // a moved device's host name, or a veth's host end; else ""
  std::string origin;
};

struct AppliedNetwork {
  std::vector<AppliedDevice> devices;  // in the order of the config
  int steps = 0;                       // fault-injection steps passed (see fault.hpp)
};

// On failure, `rollback_failures` (if given) receives the undo steps that failed too.
Result<AppliedNetwork> apply(const NetConfig& cfg, ApplyTargets& targets, Journal& journal,
                             std::vector<Error>* rollback_failures = nullptr);

// One more device for a container that is already set up (the 2006 RFC's administrator
// making a device visible at any time): the same steps as a device of apply(), recorded
// after what `journal` already holds, so that undo gives it back like the others. Its
// addresses are added; routes are not. `position` stands in for its place in a config
// when a veth host end is named from the container id: pick one no earlier device used.
// On failure only this device's steps are undone.
Result<AppliedDevice> apply_device(const DeviceConfig& device, ApplyTargets& targets, Journal& journal,
                                   size_t position, std::vector<Error>* rollback_failures = nullptr);

}  // namespace mr::netns
