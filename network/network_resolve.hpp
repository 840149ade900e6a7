// A spec's devices on managed networks ({"network": NAME}) resolved against the network
// directory: each gets its network's id, bridge, subnets, gateways and pool, and a
// container on a network with DNS gets its gateways as name servers. Before anything
// changes, and in one line naming the device when a network is unknown or an address
// asked for cannot be had from it.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"
#include "netspec/network_spec.hpp"

namespace mr::network {

Result<void> resolve_networks(netspec::NetworkSpec& spec, const std::string& network_dir, netns::NlSocket& host);
// The same for one device (`net attach --network`), when it is on a managed network.
Result<void> resolve_network_device(netns::DeviceConfig& d, const std::string& network_dir, netns::NlSocket& host);

// The managed networks a spec's devices are on (resolved), for DNS after set up.
std::vector<const netns::NetworkDevice*> managed_networks(const netns::NetConfig& net);

}  // namespace mr::network
