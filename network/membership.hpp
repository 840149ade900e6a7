// What follows a container's joining or leaving managed networks, whichever call made it
// (set_up, attach, detach, tear_down): the networks' names written again for
// aardvark-dns, and a warning when another firewall would drop what the host forwards.
// Both are services on top of the network: a failure is a warning, never a rollback.
#pragma once

#include <string>
#include <vector>

#include "netns/container_network.hpp"
#include "netns/device_network.hpp"
#include "netns/netlink_socket.hpp"
#include "network/dns.hpp"

namespace mr::network {

// After `n` (resolved) was joined: its DNS file written again, and the forward check.
// Warnings are logged.
void announce_join(netns::NlSocket& host, const netns::NetworkDevice& n);

// The managed networks the container's journal says it joined (read before it leaves,
// so that their DNS files can be written again after).
std::vector<DnsNetwork> joined_networks(const netns::ContainerNetworkDir& where);

// After leaving: each network's DNS file written again; one warning line per failure.
std::vector<std::string> announce_leave(const std::vector<DnsNetwork>& networks);

}  // namespace mr::network
