// Routes in a namespace's main table (or another), IPv4 and IPv6.
#pragma once

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

// One nexthop of a multipath route (RTA_MULTIPATH's struct rtnexthop and its RTA_GATEWAY).
struct Nexthop {
  std::optional<IpAddress> gateway;
  int ifindex = 0;
  uint8_t flags = 0;    // RTNH_F_ONLINK; the kernel's own (RTNH_F_DEAD, ...) are not kept
  uint16_t weight = 1;  // rtnh_hops + 1
};

// A route metric (RTA_METRICS): RTAX_MTU, RTAX_ADVMSS, RTAX_LOCK, ...
struct RouteMetric {
  uint16_t type = 0;
  uint32_t value = 0;
};

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
  // What else a route of the host can have, for putting one back as it was
  // (add_recorded_route()); list_routes() fills them in too.
  uint8_t tos = 0;
  std::optional<IpPrefix> from;         // source prefix (RTA_SRC, IPv6 subtrees)
  std::optional<uint8_t> pref;          // IPv6 router preference (RTA_PREF)
  std::vector<RouteMetric> metrics;     // RTA_METRICS but RTAX_CC_ALGO
  std::string congctl;                  // RTAX_CC_ALGO
  std::vector<Nexthop> nexthops;        // a multipath route's (oif and gateway unused)

  int family() const { return destination.family(); }
  bool is_default() const { return destination.length == 0; }
};

// A default route of `family` through `gateway`.
Route default_route(const IpAddress& gateway, int oif = 0);

Result<void> add_route(NlSocket& s, const Route& r);
// Adds `r` with everything list_routes() read of it: table, protocol, scope, type, tos,
// metrics, preference, source prefix and nexthops. `flags` are NLM_F_CREATE with
// NLM_F_EXCL, or with NLM_F_APPEND to add nexthops to an IPv6 multipath route.
Result<void> add_recorded_route(NlSocket& s, const Route& r, uint16_t flags);
Result<void> delete_route(NlSocket& s, const Route& r);
// The routes of one table (main by default) and family (AF_UNSPEC: both).
Result<std::vector<Route>> list_routes(NlSocket& s, int family = AF_UNSPEC, uint32_t table = RT_TABLE_MAIN);

std::string to_string(const Route& r);
Route parse_route(const nlmsghdr* h);

}  // namespace mr::netns
