// Checking a network model against the host before anything is changed: the devices it
// moves or hangs macvlans off exist, its bridges exist and are bridges, and the veth
// host ends it names are free. One lookup per name (netns::find_link), never a dump:
// the cost must not grow with the number of host devices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/network_config.hpp"

namespace mr::network {

// Every problem found, each naming where in the user's input the device was named.
// A failed lookup (not "no such device") is reported too. Reads only.
std::vector<Error> check_host(netns::NlSocket& host, const netns::NetConfig& net);

// The host-end name of a veth that does not give one: "mr" + the FNV-1a hash of the
// container id (8 hex digits) + "-" + the device's index in the model, e.g.
// "mr1a2b3c4d-1": predictable from the id, at most 15 bytes, and unlikely to clash.
// apply() gives it to the veth, or a lettered variant of it while an earlier container of
// the same id is still being freed by the kernel (netns::derived_veth_name()).
std::string derived_veth_host_name(std::string_view container_id, size_t device_index);

}  // namespace mr::network
