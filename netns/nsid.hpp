// Network namespace ids (nsids): how one namespace names another in rtnetlink, as in a
// veth's IFLA_LINK_NETNSID ("my peer is in the namespace I call 3"). An id means
// something only to the namespace that assigned it; the kernel reports a link's
// IFLA_LINK_NETNSID in the terms of the namespace that asked (rtnl_fill_link_netnsid()
// with the requester's net), allocating the id on the way (peernet2id_alloc()).
#pragma once

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;

// NETNSA_NSID_NOT_ASSIGNED: the namespace has no id for the other one.
inline constexpr int kNoNsid = -1;

// The id that the namespace of `s` has for `target` (RTM_GETNSID with NETNSA_FD);
// kNoNsid when it has none. Never assigns one.
Result<int> nsid_of(NlSocket& s, const Netns& target);

}  // namespace mr::netns
