// Where a network's subnets come from when `network create` is given none: the first
// /24 of the IPv4 pool (10.89.1.0/24 .. 10.89.255.0/24, then 10.90.0.0/15 in /24s), and
// with --ipv6 a /64 of a random RFC 4193 unique local prefix (fd00::/8, a 40-bit global
// ID), each overlapping nothing in `taken`: the other networks' subnets and the host's
// routes and addresses (netdef/host_prefixes.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"

namespace mr::netdef {

inline constexpr std::string_view kIpv4PoolText = "10.89.1.0/24..10.89.255.0/24 and 10.90.0.0/15";
inline constexpr std::string_view kIpv6PoolText = "fd00::/8";

// The first /24 of the IPv4 pool, in order, that overlaps no prefix of `taken`.
std::optional<netns::IpPrefix> pick_free_ipv4(const std::vector<netns::IpPrefix>& taken);

// A 40-bit global ID (RFC 4193 3.2).
using GlobalId = std::array<uint8_t, 5>;
using GlobalIdSource = std::function<Result<GlobalId>()>;
// getrandom(2): RFC 4193 3.2.2's algorithm only serves to get bits that are random
// enough, which the kernel's generator gives directly.
Result<GlobalId> random_global_id();

// How many global IDs are drawn before the IPv6 pool counts as full: a random /48
// collides with a given prefix of the host's only if that covers part of fd00::/8, so
// more draws would only help against a host that routes most of it.
inline constexpr int kIpv6Draws = 32;

// fdXX:XXXX:XXXX::/64 (subnet ID 0) for the first of kIpv6Draws global IDs from
// `draw` whose /64 overlaps no prefix of `taken`; nothing when none is free.
Result<std::optional<netns::IpPrefix>> pick_free_ipv6(const std::vector<netns::IpPrefix>& taken,
                                                      const GlobalIdSource& draw = random_global_id);

}  // namespace mr::netdef
