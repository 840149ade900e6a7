// What a host device has that a move to another namespace loses, recorded before the
// move and put back when it comes home. The kernel takes it all on the way out
// (NETDEV_UNREGISTER in the old namespace): addresses with their flags, labels, peers
// and lifetimes (inetdev_destroy(), addrconf_ifdown()), routes through it in every
// table (fib_sync_down_dev(), fib6_ifdown()), its bridge or bond membership
// (netdev_upper_dev_unlink()), neighbour entries (neigh_ifdown()) and its own sysctls,
// which come back as the host's defaults.
#pragma once

#include <vector>

#include "base/error.hpp"
#include "netns/journal_format.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/snapshot.hpp"

namespace mr::netns {

// Fills in `r` what `state` (capture_link()) holds and the rest: its routes in every
// table but those the kernel makes itself, its master, its configured neighbour entries
// and, when an address has a finite lifetime, the moment it was read. A few targeted
// requests (routes and neighbours dumped filtered by the device, the master by index).
Result<void> capture_link_config(NlSocket& host, LinkState state, ReturnLink& r);

// Puts back on link `index` (the device of `r`, home again) what the move lost and is
// not there yet: sysctls, then the master, addresses, routes (each added once all it
// needs is there: a route through a gateway after the route that reaches it), and
// neighbour entries. What is there already stays. Returns a line for each item that
// could not be put back ("nic0 returned without route 10.9.0.0/16 via 192.0.2.99
// table 100: Network is unreachable"); an error only when the device cannot be read.
Result<std::vector<Error>> restore_link_config(NlSocket& host, int index, const ReturnLink& r);

}  // namespace mr::netns
