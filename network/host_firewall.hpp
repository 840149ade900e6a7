// The host's packet filter for managed networks (netns/packet_filter.hpp), by the
// nftables table of firewall/. Installed by every service call that sets a network up
// or takes one down; nftables is loaded only when a managed network asks for it.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/packet_filter.hpp"

namespace mr::network {

// Installs the filter for the calling thread's network namespace (the host's).
void install_host_firewall();

// Chains of other tables that drop what the host forwards (firewall.hpp), through the
// installed filter's nftables context.
Result<std::vector<std::string>> forward_dropping_chains();

// One warning per chain of `chains`, each line starting with `who`.
void warn_forward_dropped(const std::vector<std::string>& chains, const std::string& who);
// Says in one warning each chain that will drop the traffic of a network with a way out:
// the containers would be cut off while every rule of ours is in place.
void warn_if_forward_dropped(const std::string& network);

}  // namespace mr::network
