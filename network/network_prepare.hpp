// Everything a front door (mini-runc create, netns-hook configure) does with a bundle's
// network before touching anything: find and read the spec, merge linux.netDevices,
// name the veth host ends, and check the host. One place, so both doors agree.
#pragma once

#include <optional>
#include <string>

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"
#include "oci/config.hpp"
#include "oci/diagnostics.hpp"
#include "netspec/network_spec.hpp"

namespace mr::network {

// The bundle's network (see load_network_spec for where it comes from), its managed
// networks resolved in `network_dir` (network_resolve.hpp), ready to apply to a
// container's namespace, checked against the host behind `host`.
// The error is the first problem found, counting the others, so it stays one line.
Result<netspec::NetworkSpec> prepare_network(const std::string& bundle_dir, const oci::Config& config,
                                    const std::optional<std::string>& network_file,
                                    const std::string& network_dir, netns::NlSocket& host,
                                    oci::Diagnostics& diag);

// check_host() as one result: the first problem, counting the others.
Result<void> require_host(netns::NlSocket& host, const netns::NetConfig& net);

// Whether the network asks for anything beyond the container's own loopback.
bool configures_devices(const netns::NetConfig& net);

}  // namespace mr::network
