// Routes in a namespace's main table (or another), IPv4 and IPv6.
#pragma once

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "netns/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

struct Route {
  IpPrefix destination;               // length 0: the default route of its family
  std::optional<IpAddress> gateway;   // none: on-link through `oif`
  int oif = 0;                        // output link index; 0 lets the kernel pick by gateway
  bool onlink = false;                // gateway reachable on oif even outside its prefixes
  uint32_t table = RT_TABLE_MAIN;
  uint32_t metric = 0;
  std::optional<IpAddress> source;    // preferred source address (RTA_PREFSRC)
  // Filled in by list_routes():
  uint8_t scope = RT_SCOPE_UNIVERSE;
  uint8_t protocol = RTPROT_BOOT;
  uint8_t type = RTN_UNICAST;

  int family() const { return destination.family(); }
  bool is_default() const { return destination.length == 0; }
};

// A default route of `family` through `gateway`.
Route default_route(const IpAddress& gateway, int oif = 0);

Result<void> add_route(NlSocket& s, const Route& r);
Result<void> delete_route(NlSocket& s, const Route& r);
// The routes of one table (main by default) and family (AF_UNSPEC: both).
Result<std::vector<Route>> list_routes(NlSocket& s, int family = AF_UNSPEC, uint32_t table = RT_TABLE_MAIN);

std::string to_string(const Route& r);
Route parse_route(const nlmsghdr* h);

}  // namespace mr::netns
