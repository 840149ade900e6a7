#include "netns/link.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <algorithm>
#include <array>

#include "netns/namespace.hpp"

namespace mr::netns {

// ifinfomsg with the up/down change of `s`, if any.
ifinfomsg make_ifinfo(int index, const LinkSettings& s) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  if (s.up) {
    ifi.ifi_change = IFF_UP;
    ifi.ifi_flags = *s.up ? IFF_UP : 0;
  }
  return ifi;
}

// The attributes of `s` that go after the ifinfomsg. do_setlink() applies the name first
// and the up flag last, so one request can rename, configure and bring a link up.
void put_settings(nl::Message& m, const LinkSettings& s, bool with_master) {
  if (s.name) m.attr_str(IFLA_IFNAME, *s.name);
  if (s.mtu) m.attr_u32(IFLA_MTU, *s.mtu);
  if (s.mac) m.attr_bytes(IFLA_ADDRESS, s.mac->bytes);
  if (with_master && s.master) m.attr_u32(IFLA_MASTER, static_cast<uint32_t>(*s.master));
}

namespace {


std::string link_label(int index) { return "link index " + std::to_string(index); }

std::string in(const NlSocket& s) { return " in " + s.where(); }

Result<LinkInfo> get_link_request(NlSocket& s, nl::Message& m, const std::string& what,
                                  const NlSocket::ReplyFn& also = {}) {
  m.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  LinkInfo info;
  bool found = false;
  auto r = s.call(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return;
    info = parse_link(h);
    if (also) also(h);
    found = true;
  });
  if (!r) return std::unexpected(std::move(r).error().wrap("find " + what + in(s)));
  if (!found) return fail(ENODEV, "find " + what + in(s));
  return info;
}

}  // namespace

bool LinkInfo::up() const { return flags & IFF_UP; }

bool is_netns_immutable(const LinkInfo& link) {
  if (link.netns_immutable) return *link.netns_immutable;
  if (link.flags & IFF_LOOPBACK) return true;
  for (const char* kind : {"bridge", "bond", "team", "vrf", "openvswitch"})
    if (link.kind == kind) return true;
  return false;
}

Result<MacvlanMode> parse_macvlan_mode(std::string_view text) {
  for (auto mode : {MacvlanMode::private_, MacvlanMode::vepa, MacvlanMode::bridge,
                    MacvlanMode::passthru, MacvlanMode::source})
    if (to_string(mode) == text) return mode;
  return fail(EINVAL, "unknown macvlan mode \"" + std::string(text) + "\"");
}

std::string_view to_string(MacvlanMode mode) {
  switch (mode) {
    case MacvlanMode::private_: return "private";
    case MacvlanMode::vepa: return "vepa";
    case MacvlanMode::bridge: return "bridge";
    case MacvlanMode::passthru: return "passthru";
    case MacvlanMode::source: return "source";
  }
  return "?";
}

// Linux 6.15's uapi value, absent from older headers (Debian 12's end at IFLA_ALLMULTI).
constexpr size_t kIflaNetnsImmutable = 67;

LinkInfo parse_link(const nlmsghdr* h) {
  auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
  LinkInfo info;
  info.index = ifi->ifi_index;
  info.flags = ifi->ifi_flags;
  auto a = nl::parse_attrs<std::max<size_t>(IFLA_MAX, kIflaNetnsImmutable)>(h, sizeof(ifinfomsg));
  if (a[IFLA_IFNAME]) info.name = mnl_attr_get_str(a[IFLA_IFNAME]);
  if (a[IFLA_MTU]) info.mtu = mnl_attr_get_u32(a[IFLA_MTU]);
  if (a[IFLA_ADDRESS] && mnl_attr_get_payload_len(a[IFLA_ADDRESS]) == 6) {
    MacAddress mac;
    auto bytes = nl::attr_payload(a[IFLA_ADDRESS]);
    std::copy(bytes.begin(), bytes.end(), mac.bytes.begin());
    info.mac = mac;
  }
  if (a[IFLA_MASTER]) info.master = static_cast<int>(mnl_attr_get_u32(a[IFLA_MASTER]));
  if (a[IFLA_LINK]) info.parent = static_cast<int>(mnl_attr_get_u32(a[IFLA_LINK]));
  info.parent_elsewhere = a[IFLA_LINK_NETNSID] != nullptr;
  if (a[IFLA_LINK_NETNSID]) info.link_netnsid = static_cast<int32_t>(mnl_attr_get_u32(a[IFLA_LINK_NETNSID]));
  if (a[IFLA_PERM_ADDRESS] && mnl_attr_get_payload_len(a[IFLA_PERM_ADDRESS]) == 6) {
    MacAddress perm;
    auto bytes = nl::attr_payload(a[IFLA_PERM_ADDRESS]);
    std::copy(bytes.begin(), bytes.end(), perm.bytes.begin());
    info.perm_mac = perm;
  }
  if (a[IFLA_PARENT_DEV_NAME]) info.parent_dev = mnl_attr_get_str(a[IFLA_PARENT_DEV_NAME]);
  if (a[IFLA_PARENT_DEV_BUS_NAME]) info.parent_bus = mnl_attr_get_str(a[IFLA_PARENT_DEV_BUS_NAME]);
  if (a[IFLA_OPERSTATE]) info.operstate = mnl_attr_get_u8(a[IFLA_OPERSTATE]);
  if (auto* immutable = a[kIflaNetnsImmutable]; immutable && mnl_attr_get_payload_len(immutable) >= 1)
    info.netns_immutable = mnl_attr_get_u8(immutable) != 0;
  auto li = nl::parse_nested<IFLA_INFO_MAX>(a[IFLA_LINKINFO]);
  if (li[IFLA_INFO_KIND]) info.kind = mnl_attr_get_str(li[IFLA_INFO_KIND]);
  if (info.kind == "macvlan") {
    auto data = nl::parse_nested<IFLA_MACVLAN_MAX>(li[IFLA_INFO_DATA]);
    if (data[IFLA_MACVLAN_MODE]) info.macvlan_mode = mnl_attr_get_u32(data[IFLA_MACVLAN_MODE]);
  }
  return info;
}

Result<LinkInfo> get_link(NlSocket& s, std::string_view name) { return get_link(s, name, {}); }

Result<LinkInfo> get_link(NlSocket& s, std::string_view name, const NlSocket::ReplyFn& also) {
  MR_TRY(check_ifname(name));
  nl::Message m(RTM_GETLINK, 0);
  m.put(make_ifinfo(0, {}));
  m.attr_str(IFLA_IFNAME, name);
  return get_link_request(s, m, "link " + std::string(name), also);
}

Result<LinkInfo> get_link(NlSocket& s, int index) {
  nl::Message m(RTM_GETLINK, 0);
  m.put(make_ifinfo(index, {}));
  return get_link_request(s, m, link_label(index));
}

Result<LinkInfo> get_link_in(NlSocket& s, int nsid, int index) {
  nl::Message m(RTM_GETLINK, 0);
  m.put(make_ifinfo(index, {}));
  m.attr_s32(IFLA_TARGET_NETNSID, nsid);
  return get_link_request(s, m, link_label(index) + " of the namespace with id " + std::to_string(nsid));
}

Result<std::optional<LinkInfo>> find_link(NlSocket& s, std::string_view name) {
  auto r = get_link(s, name);
  if (r) return std::optional<LinkInfo>(std::move(*r));
  if (r.error().err == ENODEV) return std::optional<LinkInfo>();
  return std::unexpected(std::move(r).error());
}

Result<void> change_link(NlSocket& s, int index, const LinkSettings& settings) {
  if (settings.name) MR_TRY(check_ifname(*settings.name));
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(index, settings));
  put_settings(m, settings, true);
  MR_TRY_CTX(s.call(m), "change " + link_label(index) + in(s));
  return {};
}

Result<void> change_link(NlSocket& s, std::string_view name, const LinkSettings& settings) {
  MR_TRY(check_ifname(name));
  // With index 0, rtnl_newlink() finds the link by its IFLA_IFNAME, which then cannot
  // also carry a new name.
  if (settings.name) return fail(EINVAL, "change link " + std::string(name) + ": renaming needs the link's index");
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(0, settings));
  m.attr_str(IFLA_IFNAME, name);
  put_settings(m, settings, true);
  MR_TRY_CTX(s.call(m), "change link " + std::string(name) + in(s));
  return {};
}

Result<void> set_link_up(NlSocket& s, int index, bool up) {
  return change_link(s, index, {.up = up});
}

Result<void> rename_link(NlSocket& s, int index, std::string_view name) {
  return change_link(s, index, {.name = std::string(name)});
}

Result<void> set_link_mtu(NlSocket& s, int index, uint32_t mtu) {
  return change_link(s, index, {.mtu = mtu});
}

Result<void> set_link_mac(NlSocket& s, int index, const MacAddress& mac) {
  return change_link(s, index, {.mac = mac});
}

Result<void> set_link_master(NlSocket& s, int index, int master_index) {
  return change_link(s, index, {.master = master_index});
}

Result<void> suppress_ipv6_link_local(NlSocket& s, std::string_view name) {
  MR_TRY(check_ifname(name));
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(0, {}));
  m.attr_str(IFLA_IFNAME, name);
  {
    auto af_spec = m.nest(IFLA_AF_SPEC);
    auto inet6 = m.nest(AF_INET6);
    m.attr_u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  }
  auto r = s.call(m);
  if (!r && r.error().err == EAFNOSUPPORT) return {};
  MR_TRY_CTX(std::move(r), "turn off the IPv6 link-local address of " + std::string(name) + in(s));
  return {};
}

Result<void> set_bridge_port_hairpin(NlSocket& s, std::string_view name) {
  MR_TRY(check_ifname(name));
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(0, {}));
  m.attr_str(IFLA_IFNAME, name);
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_SLAVE_KIND, "bridge");
    auto data = m.nest(IFLA_INFO_SLAVE_DATA);
    m.attr_u8(IFLA_BRPORT_MODE, 1);
  }
  MR_TRY_CTX(s.call(m), "set hairpin mode on bridge port " + std::string(name) + in(s));
  return {};
}

namespace {

// do_setlink() moves a link before it renames it: when the new name is taken in the
// target, the request fails with EEXIST but leaves the link there under its old name.
// Sends it back, so that a failed move changes nothing; says so in `e` if that fails.
void return_unrenamed(NlSocket& from, int index, const std::string& old_name, const Netns& to, Error& e) {
  auto still_here = get_link(from, index);
  if (still_here || still_here.error().err != ENODEV) return;
  auto back = [&]() -> Result<void> {
    auto home = MR_TRY_VALUE(Netns::of_socket(from.fd(), from.where()));
    auto there = MR_TRY_VALUE(NlSocket::open_in(to));
    auto moved = MR_TRY_VALUE(get_link(there, old_name));
    return move_link(there, moved.index, home);
  }();
  if (!back) e.context += " (it is left in " + to.name() + " as " + old_name + ": " + back.error().message() + ")";
}

}  // namespace

Result<void> move_link(NlSocket& from, int index, const Netns& to, std::string_view new_name) {
  std::string old_name;
  if (!new_name.empty()) {
    MR_TRY(check_ifname(new_name));
    old_name = MR_TRY_VALUE(get_link(from, index)).name;
  }
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(index, {}));
  m.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(to.fd()));
  if (!new_name.empty()) m.attr_str(IFLA_IFNAME, new_name);
  std::string what = "move " + link_label(index) + " from " + from.where() + " to " + to.name();
  if (!new_name.empty()) what += " as " + std::string(new_name);
  if (auto r = from.call(m); !r) {
    Error e = std::move(r).error().wrap(what);
    if (!new_name.empty()) return_unrenamed(from, index, old_name, to, e);
    return std::unexpected(std::move(e));
  }
  return {};
}

Result<void> create_veth(NlSocket& s, const VethSpec& spec, NlSocket* peer_socket) {
  MR_TRY(check_ifname(spec.name));
  MR_TRY(check_ifname(spec.peer_name));
  std::string what = "create veth " + spec.name + in(s) + " with peer " + spec.peer_name;
  if (spec.peer_ns) what += " in " + spec.peer_ns->name();
  bool peer_up = spec.peer_settings.up && *spec.peer_settings.up;
  NlSocket* ps = peer_socket ? peer_socket : spec.peer_ns ? nullptr : &s;
  // Checked before the pair exists, so that a bad call leaves nothing behind.
  if (peer_up && !ps) return fail(EINVAL, what + ": bringing the peer up needs a socket in " + spec.peer_ns->name());
  nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.put(make_ifinfo(0, spec.settings));
  m.attr_str(IFLA_IFNAME, spec.name);
  LinkSettings own = spec.settings;
  own.name.reset();
  put_settings(m, own, true);
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "veth");
    auto data = m.nest(IFLA_INFO_DATA);
    auto peer = m.nest(VETH_INFO_PEER);
    // VETH_INFO_PEER holds an ifinfomsg followed by the peer's own attributes.
    LinkSettings peer_own = spec.peer_settings;
    peer_own.name.reset();
    peer_own.up.reset();
    m.put(make_ifinfo(0, peer_own));
    m.attr_str(IFLA_IFNAME, spec.peer_name);
    put_settings(m, peer_own, false);
    if (spec.peer_ns) m.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peer_ns->fd()));
  }
  MR_TRY_CTX(s.call(m), what);
  if (peer_up) MR_TRY_CTX(change_link(*ps, spec.peer_name, {.up = true}), what);
  return {};
}

Result<void> create_bridge(NlSocket& s, std::string_view name, const LinkSettings& settings) {
  MR_TRY(check_ifname(name));
  nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.put(make_ifinfo(0, settings));
  m.attr_str(IFLA_IFNAME, name);
  LinkSettings own = settings;
  own.name.reset();
  put_settings(m, own, false);
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "bridge");
  }
  MR_TRY_CTX(s.call(m), "create bridge " + std::string(name) + in(s));
  return {};
}

Result<void> create_macvlan(NlSocket& s, const MacvlanSpec& spec) {
  MR_TRY(check_ifname(spec.name));
  nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.put(make_ifinfo(0, spec.settings));
  m.attr_str(IFLA_IFNAME, spec.name);
  LinkSettings own = spec.settings;
  own.name.reset();
  put_settings(m, own, false);
  m.attr_u32(IFLA_LINK, static_cast<uint32_t>(spec.parent_index));
  if (spec.target) m.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.target->fd()));
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "macvlan");
    auto data = m.nest(IFLA_INFO_DATA);
    m.attr_u32(IFLA_MACVLAN_MODE, static_cast<uint32_t>(spec.mode));
  }
  std::string what = "create macvlan " + spec.name + " on " + link_label(spec.parent_index) + in(s);
  if (spec.target) what += " into " + spec.target->name();
  MR_TRY_CTX(s.call(m), what);
  return {};
}

Result<void> delete_link(NlSocket& s, int index) {
  nl::Message m(RTM_DELLINK, 0);
  m.put(make_ifinfo(index, {}));
  MR_TRY_CTX(s.call(m), "delete " + link_label(index) + in(s));
  return {};
}

}  // namespace mr::netns
