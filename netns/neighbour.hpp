// Neighbour entries (ARP and NDP) that someone put on a device by hand: the permanent
// and no-ARP ones, and proxy entries. The kernel deletes them all when a device leaves
// its namespace (neigh_ifdown() and pneigh_ifdown() on NETDEV_UNREGISTER); nothing
// makes them again, so a device lent to a container and given back needs them put back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

struct Neighbour {
  IpAddress destination;
  std::vector<uint8_t> lladdr;  // empty: none (a no-ARP entry may have none)
  uint16_t state = 0;           // NUD_PERMANENT or NUD_NOARP; 0 for a proxy entry
  uint8_t flags = 0;            // NTF_PROXY, NTF_ROUTER, NTF_EXT_LEARNED

  bool proxy() const;
};

// The entries of link `index` that were configured rather than learnt: NUD_PERMANENT
// and NUD_NOARP ones, both families, but not the no-ARP entries the kernel makes itself
// for multicast and broadcast destinations (arp_constructor(), ndisc_constructor()); and
// the proxy entries (NTF_PROXY, `ip neigh add proxy`). Two dumps, filtered by the kernel
// on NDA_IFINDEX (neigh_valid_dump_req(), strict checking).
Result<std::vector<Neighbour>> list_configured_neighbours(NlSocket& s, int index);

// Adds an entry to link `index` (NLM_F_EXCL: an entry already there is EEXIST).
Result<void> add_neighbour(NlSocket& s, int index, const Neighbour& n);

// "neighbour 192.0.2.9 lladdr 02:00:00:00:00:09 permanent", for messages.
std::string to_string(const Neighbour& n);
// "02:00:00:00:00:09": bytes as hex pairs; "" for none. parse_lladdr() reads it back.
std::string lladdr_text(const std::vector<uint8_t>& bytes);
Result<std::vector<uint8_t>> parse_lladdr(std::string_view text);

}  // namespace mr::netns
