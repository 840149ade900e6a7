// What a running container's network holds, read from the kernel, with each link's host
// origin taken from the journal: the device a moved link was on the host, a veth's host
// end (and its bridge), a macvlan's parent. The typed picture behind `net show` and
// `net export`; rendering it is oci/'s business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/address.hpp"
#include "base/error.hpp"
#include "netns/journal.hpp"
#include "netns/link.hpp"
#include "netns/link_origin.hpp"
#include "netns/link_proof.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/route.hpp"

namespace mr::netns {

struct ContainerNetworkDir;

struct ContainerNetworkView {
  std::vector<ShownLink> links;  // in ifindex order, lo included
  std::vector<Route> routes;     // main table, both families, as the kernel lists them
};

// The live container link that a pending journal step stands for, found by its proof
// (link_proof.hpp: a moved device's, a veth pair's, a macvlan's parent), never by its
// name or ifindex alone, so a link the workload renamed is still found and one it forged
// is not; empty when it is not in the container. `at` has the container's namespace
// and a socket in it.
Result<std::optional<LinkInfo>> link_of_step(LentPlaces& at, const UndoStep& step);

// A snapshot of the container's namespace with origins from the pending steps of `journal`.
Result<ContainerNetworkView> inspect_network(LentPlaces& at, const Journal& journal);

// The same for the container whose network is kept in `where`; run in the host namespace.
Result<ContainerNetworkView> show_container_network(const ContainerNetworkDir& where);

}  // namespace mr::netns
