// The host's packet filter for managed networks (netns/packet_filter.hpp), by the
// nftables table of firewall/. Installed by every service call that sets a network up
// or takes one down; nftables is loaded only when a managed network asks for it.
#pragma once

namespace mr::network {

// Installs the filter for the calling thread's network namespace (the host's).
void install_host_firewall();

}  // namespace mr::network
