// Attaching one device to a container that is already running (the 2006 netns RFC: the
// administrator makes a device visible to an unshared container at any time). The same
// apply_device() steps as container start, recorded in the container's journal, so that
// detach, delete and crash recovery give it back like any device of the original spec.
#pragma once

#include <string>

#include "netns/apply.hpp"
#include "netns/container_network.hpp"
#include "base/error.hpp"
#include "netns/network_config.hpp"

namespace mr::netns {

struct AttachOptions {
  std::string container_id;  // names a veth host end the device leaves unnamed
  // Where the other containers' network directories are (ROOT/ID: mini-runc's or
  // netns-hook's --root). A host device that is not on the host is looked for in their
  // journals, so that the refusal names the container holding it; "" looks nowhere.
  std::string root;
};

// What the kernel would refuse, or what would take the wrong device, found before
// anything changes: a host device (or macvlan parent, or bridge) not on the host (lent to
// this container or, by a journal under `root`, to another one; or missing), a veth host
// end that exists (`veth_host_name`, when the device names one), a name taken in the
// container. Errors carry the device's origin as their pointer.
Result<void> check_attachable(const DeviceConfig& device, OpenContainerNetwork& net, const std::string& veth_host_name,
                              const std::string& root = {});

// Checks, then applies `device` to the container whose network is kept in `where`, from
// the host namespace (the caller's). On any error the host, the container and the
// journal's pending steps are as they were.
Result<AppliedDevice> attach_device(const ContainerNetworkDir& where, const DeviceConfig& device,
                                    const AttachOptions& opts = {});

}  // namespace mr::netns
