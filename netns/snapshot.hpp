// A typed picture of one namespace's links, addresses and routes, read from the kernel.
// Used to verify what a setup did, to remember a host device before it moves, and to
// export a container's network. It dumps the namespace, so it belongs in container
// namespaces and tests, not in the per-container path on a host with many links.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "netns/address.hpp"
#include "netns/device_sysctl.hpp"
#include "base/error.hpp"
#include "netns/link.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/route.hpp"

namespace mr::netns {

struct NetnsSnapshot {
  std::vector<LinkInfo> links;
  std::vector<AddressInfo> addresses;
  std::vector<Route> routes;  // main table, IPv4 and IPv6

  const LinkInfo* link(std::string_view name) const;
  const LinkInfo* link(int index) const;
  std::vector<AddressInfo> addresses_of(int index) const;
  std::vector<Route> routes_of(int family) const;
};

Result<NetnsSnapshot> take_snapshot(NlSocket& s);
Result<std::vector<LinkInfo>> list_links(NlSocket& s);

// The state of one link that undo needs to put it back exactly: name, MTU, up/down,
// MAC, the addresses it would lose on a move and its own sysctls (from the same answer
// as the rest of the link).
struct LinkState {
  LinkInfo link;
  std::vector<AddressInfo> addresses;
  DeviceSysctls sysctls;
};
Result<LinkState> capture_link(NlSocket& s, std::string_view name);

}  // namespace mr::netns
