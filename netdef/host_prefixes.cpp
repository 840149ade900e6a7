#include "netdef/host_prefixes.hpp"

#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "netns/address.hpp"
#include "netns/route.hpp"

namespace mr::netdef {

namespace {

// netns::list_routes() reads one table; this dump names none: an rtm_table of 0 and no
// RTA_TABLE mean every table to a strict-checking dump (ip_valid_fib_dump_req()), so the
// local table, policy-routing tables and VRF tables all come.
Result<void> add_routes_of_every_table(netns::NlSocket& host, std::vector<netns::IpPrefix>& out) {
  netns::nl::Message m(RTM_GETROUTE, 0);
  rtmsg rtm{};
  rtm.rtm_family = AF_UNSPEC;
  m.put(rtm);
  MR_TRY_CTX(host.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    auto* msg = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
    if (msg->rtm_family != AF_INET && msg->rtm_family != AF_INET6) return;  // MPLS, multicast routing
    if (msg->rtm_flags & RTM_F_CLONED) return;
    netns::Route r = netns::parse_route(h);
    if (!r.is_default()) out.push_back(r.destination.network());
  }),
             "list the routes of every table in " + host.where());
  return {};
}

}  // namespace

Result<std::vector<netns::IpPrefix>> host_prefixes(netns::NlSocket& host) {
  std::vector<netns::IpPrefix> out;
  MR_TRY(add_routes_of_every_table(host, out));
  for (const auto& a : MR_TRY_VALUE(netns::list_addresses(host))) {
    out.push_back(a.prefix.network());
    if (a.peer) out.push_back(netns::IpPrefix{*a.peer, a.prefix.length}.network());
  }
  return out;
}

}  // namespace mr::netdef
