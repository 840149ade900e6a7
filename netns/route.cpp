#include "netns/route.hpp"

#include <algorithm>
#include <cstring>

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

// RTA_MULTIPATH's payload: one struct rtnexthop per nexthop, each followed by its own
// attributes (RTA_GATEWAY) and counting them in rtnh_len (rtm_to_fib_config(),
// rtm_to_fib6_config() read it with rtnh_ok()/rtnh_next()).
std::vector<uint8_t> multipath_payload(int family, const std::vector<Nexthop>& nexthops) {
  std::vector<uint8_t> out;
  for (const auto& nh : nexthops) {
    size_t start = out.size();
    rtnexthop rtnh{};
    rtnh.rtnh_flags = nh.flags;
    rtnh.rtnh_hops = static_cast<uint8_t>(nh.weight > 0 ? nh.weight - 1 : 0);
    rtnh.rtnh_ifindex = nh.ifindex;
    out.resize(start + RTNH_ALIGN(sizeof rtnh));
    std::memcpy(out.data() + start, &rtnh, sizeof rtnh);
    if (nh.gateway && nh.gateway->family == family) {
      rtattr rta{};
      rta.rta_type = RTA_GATEWAY;
      rta.rta_len = static_cast<unsigned short>(RTA_LENGTH(nh.gateway->size()));
      size_t at = out.size();
      out.resize(at + RTA_ALIGN(rta.rta_len));
      std::memcpy(out.data() + at, &rta, sizeof rta);
      std::memcpy(out.data() + at + RTA_LENGTH(0), nh.gateway->span().data(), nh.gateway->size());
    }
    auto len = static_cast<unsigned short>(out.size() - start);
    std::memcpy(out.data() + start + offsetof(rtnexthop, rtnh_len), &len, sizeof len);
  }
  return out;
}

std::vector<Nexthop> parse_multipath(int family, const nlattr* a) {
  std::vector<Nexthop> out;
  auto bytes = nl::attr_payload(a);
  auto* rtnh = reinterpret_cast<const rtnexthop*>(bytes.data());
  int left = static_cast<int>(bytes.size());
  while (RTNH_OK(rtnh, left)) {
    Nexthop nh;
    nh.ifindex = rtnh->rtnh_ifindex;
    nh.flags = rtnh->rtnh_flags & RTNH_F_ONLINK;
    nh.weight = static_cast<uint16_t>(rtnh->rtnh_hops + 1);
    // The nexthop's own attributes, after it and within its rtnh_len.
    auto* rta = reinterpret_cast<const rtattr*>(RTNH_DATA(rtnh));
    int attrs = rtnh->rtnh_len - static_cast<int>(RTNH_LENGTH(0));
    for (; RTA_OK(rta, attrs); rta = RTA_NEXT(rta, attrs))
      if (rta->rta_type == RTA_GATEWAY)
        nh.gateway = IpAddress::from_bytes(family, {static_cast<const uint8_t*>(RTA_DATA(rta)), RTA_PAYLOAD(rta)});
    out.push_back(nh);
    left -= RTNH_ALIGN(rtnh->rtnh_len);
    rtnh = RTNH_NEXT(rtnh);
  }
  return out;
}

void parse_metrics(const nlattr* nest, Route& r) {
  auto a = nl::parse_nested<RTAX_MAX>(nest);
  for (uint16_t type = 1; type <= RTAX_MAX; ++type) {
    if (!a[type]) continue;
    if (type == RTAX_CC_ALGO) {
      if (mnl_attr_validate(a[type], MNL_TYPE_NUL_STRING) >= 0) r.congctl = mnl_attr_get_str(a[type]);
    } else if (mnl_attr_get_payload_len(a[type]) >= sizeof(uint32_t)) {
      r.metrics.push_back({type, mnl_attr_get_u32(a[type])});
    }
  }
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
  r.tos = rtm->rtm_tos;
  if (rtm->rtm_src_len > 0) {
    IpPrefix from;
    from.address.family = rtm->rtm_family;
    if (a[RTA_SRC]) from.address = IpAddress::from_bytes(rtm->rtm_family, nl::attr_payload(a[RTA_SRC]));
    from.length = rtm->rtm_src_len;
    r.from = from;
  }
  if (a[RTA_PREF]) r.pref = mnl_attr_get_u8(a[RTA_PREF]);
  parse_metrics(a[RTA_METRICS], r);
  if (a[RTA_MULTIPATH]) r.nexthops = parse_multipath(rtm->rtm_family, a[RTA_MULTIPATH]);
  return r;
}

Result<void> add_route(NlSocket& s, const Route& r) {
  nl::Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  put_route(m, r);
  MR_TRY_CTX(s.call(m), "add route " + to_string(r) + " in " + s.where());
  return {};
}

Result<void> add_recorded_route(NlSocket& s, const Route& r, uint16_t flags) {
  nl::Message m(RTM_NEWROUTE, flags);
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(r.family());
  rtm.rtm_dst_len = r.destination.length;
  rtm.rtm_src_len = r.from ? r.from->length : 0;
  rtm.rtm_tos = r.tos;
  rtm.rtm_table = static_cast<uint8_t>(r.table < 256 ? r.table : RT_TABLE_UNSPEC);
  rtm.rtm_protocol = r.protocol;
  rtm.rtm_scope = r.scope;
  rtm.rtm_type = r.type;
  if (r.onlink) rtm.rtm_flags |= RTNH_F_ONLINK;
  m.put(rtm);
  m.attr_u32(RTA_TABLE, r.table);
  if (r.destination.length > 0) m.attr_bytes(RTA_DST, r.destination.network().address.span());
  if (r.from && r.from->length > 0) m.attr_bytes(RTA_SRC, r.from->network().address.span());
  if (r.nexthops.empty()) {
    if (r.gateway) m.attr_bytes(RTA_GATEWAY, r.gateway->span());
    if (r.oif) m.attr_u32(RTA_OIF, static_cast<uint32_t>(r.oif));
  } else {
    m.attr_bytes(RTA_MULTIPATH, multipath_payload(r.family(), r.nexthops));
  }
  if (r.metric) m.attr_u32(RTA_PRIORITY, r.metric);
  if (r.source) m.attr_bytes(RTA_PREFSRC, r.source->span());
  if (r.pref && r.family() == AF_INET6) m.attr_u8(RTA_PREF, *r.pref);
  if (!r.metrics.empty() || !r.congctl.empty()) {
    auto metrics = m.nest(RTA_METRICS);
    for (const auto& x : r.metrics) m.attr_u32(x.type, x.value);
    if (!r.congctl.empty()) m.attr_str(RTAX_CC_ALGO, r.congctl);
  }
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
