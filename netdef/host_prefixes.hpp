// What the host's network namespace already uses, so that an automatic subnet avoids
// it: the destination of every route in every table, and the prefix of every address of
// every link, both families, read over rtnetlink.
#pragma once

#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netdef {

// Default routes (prefix length 0) are left out: every connected host has one, and it
// says nothing about which subnets its links are on. An address counts as its prefix
// (192.168.1.5/16 takes 192.168.0.0/16); a point-to-point address's peer too.
Result<std::vector<netns::IpPrefix>> host_prefixes(netns::NlSocket& host);

}  // namespace mr::netdef
