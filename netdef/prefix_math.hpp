// Prefix arithmetic the network definitions need beyond netns/ip.hpp: whether two
// prefixes share an address, a subnet's last address, the n-th prefix of a range.
#pragma once

#include <cstdint>

#include "netns/ip.hpp"

namespace mr::netdef {

// Whether `a` and `b` (of the same family) have an address in common: one holds the
// other's network address within the shorter of the two lengths.
bool overlaps(const netns::IpPrefix& a, const netns::IpPrefix& b);
// The prefix's network address with every host bit set (IPv4: the broadcast address).
netns::IpAddress last_address(const netns::IpPrefix& p);
// `a` plus `n`, carried across bytes from the last (wraps past the family's end).
netns::IpAddress add_to(netns::IpAddress a, uint64_t n);
// Whether `inner` lies wholly inside `outer`.
bool inside(const netns::IpPrefix& inner, const netns::IpPrefix& outer);

}  // namespace mr::netdef
