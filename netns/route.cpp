#include "netns/route.hpp"

#include <algorithm>

namespace mr::netns {

namespace {

void put_route(nl::Message& m, const Route& r) {
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(r.family());
  rtm.rtm_dst_len = r.destination.length;
  rtm.rtm_table = static_cast<uint8_t>(r.table < 256 ? r.table : RT_TABLE_UNSPEC);
  rtm.rtm_protocol = RTPROT_BOOT;
  rtm.rtm_type = RTN_UNICAST;
  // A route without a gateway reaches its prefix directly on the link (scope link); IPv6
  // routes are always universe scope.
  rtm.rtm_scope = (!r.gateway && r.family() == AF_INET) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  if (r.onlink) rtm.rtm_flags |= RTNH_F_ONLINK;
  m.put(rtm);
  if (r.destination.length > 0) m.attr_bytes(RTA_DST, r.destination.network().address.span());
  if (r.gateway) m.attr_bytes(RTA_GATEWAY, r.gateway->span());
  if (r.oif) m.attr_u32(RTA_OIF, static_cast<uint32_t>(r.oif));
  if (r.metric) m.attr_u32(RTA_PRIORITY, r.metric);
  if (r.source) m.attr_bytes(RTA_PREFSRC, r.source->span());
  if (r.table >= 256) m.attr_u32(RTA_TABLE, r.table);
}

}  // namespace

Route default_route(const IpAddress& gateway, int oif) {
  Route r;
  r.destination.address.family = gateway.family;
  r.gateway = gateway;
  r.oif = oif;
  return r;
}

std::string to_string(const Route& r) {
  std::string out = r.is_default() ? std::string("default") : r.destination.network().to_string();
  if (r.family() == AF_INET6 && r.is_default()) out += " (IPv6)";
  if (r.gateway) out += " via " + r.gateway->to_string();
  if (r.oif) out += " dev index " + std::to_string(r.oif);
  if (r.onlink) out += " onlink";
  if (r.table != RT_TABLE_MAIN) out += " table " + std::to_string(r.table);
  return out;
}

Route parse_route(const nlmsghdr* h) {
  auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
  auto a = nl::parse_attrs<RTA_MAX>(h, sizeof(rtmsg));
  Route r;
  r.destination.address.family = rtm->rtm_family;
  r.destination.length = rtm->rtm_dst_len;
  if (a[RTA_DST]) r.destination.address = IpAddress::from_bytes(rtm->rtm_family, nl::attr_payload(a[RTA_DST]));
  if (a[RTA_GATEWAY]) r.gateway = IpAddress::from_bytes(rtm->rtm_family, nl::attr_payload(a[RTA_GATEWAY]));
  if (a[RTA_OIF]) r.oif = static_cast<int>(mnl_attr_get_u32(a[RTA_OIF]));
  if (a[RTA_PRIORITY]) r.metric = mnl_attr_get_u32(a[RTA_PRIORITY]);
  if (a[RTA_PREFSRC]) r.source = IpAddress::from_bytes(rtm->rtm_family, nl::attr_payload(a[RTA_PREFSRC]));
  r.table = a[RTA_TABLE] ? mnl_attr_get_u32(a[RTA_TABLE]) : rtm->rtm_table;
  r.onlink = rtm->rtm_flags & RTNH_F_ONLINK;
  r.scope = rtm->rtm_scope;
  r.protocol = rtm->rtm_protocol;
  r.type = rtm->rtm_type;
  return r;
}

Result<void> add_route(NlSocket& s, const Route& r) {
  nl::Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  put_route(m, r);
  MR_TRY_CTX(s.call(m), "add route " + to_string(r) + " in " + s.where());
  return {};
}

Result<void> delete_route(NlSocket& s, const Route& r) {
  nl::Message m(RTM_DELROUTE, 0);
  put_route(m, r);
  MR_TRY_CTX(s.call(m), "delete route " + to_string(r) + " in " + s.where());
  return {};
}

Result<std::vector<Route>> list_routes(NlSocket& s, int family, uint32_t table) {
  nl::Message m(RTM_GETROUTE, 0);
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(family);
  m.put(rtm);
  m.attr_u32(RTA_TABLE, table);  // a strict-checking dump returns this table only
  std::vector<Route> out;
  MR_TRY_CTX(s.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    auto r = parse_route(h);
    auto* msg = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
    if (msg->rtm_flags & RTM_F_CLONED || r.table != table) return;
    out.push_back(std::move(r));
  }),
             "list routes in " + s.where());
  return out;
}

}  // namespace mr::netns
