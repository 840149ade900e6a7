#include "netns/link_config.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "netns/address.hpp"
#include "netns/device_sysctl.hpp"
#include "netns/link.hpp"
#include "netns/neighbour.hpp"
#include "netns/route.hpp"

namespace mr::netns {

namespace {

bool through(const Route& r, int index) {
  if (r.oif == index) return true;
  return std::any_of(r.nexthops.begin(), r.nexthops.end(), [&](const Nexthop& nh) { return nh.ifindex == index; });
}

bool same_route(const Route& a, const Route& b) {
  return a.family() == b.family() && a.table == b.table && a.destination == b.destination && a.metric == b.metric &&
         a.tos == b.tos && a.from == b.from && a.gateway == b.gateway && a.oif == b.oif &&
         a.nexthops.size() == b.nexthops.size();
}

// The routes through `index` in every table, as the kernel lists them filtered by
// RTA_OIF (strict checking; inet_dump_fib() and inet6_dump_fib() with no table walk
// them all). The filter keeps a multipath route when any of its nexthops uses the
// device (fib_info_nh_uses_dev(), fib6_info_uses_dev()). Left out is what comes back by
// itself: the kernel's own routes (prefix, local and broadcast routes of addresses,
// RTPROT_KERNEL), those learnt from router advertisements and redirects, and cloned
// ones. Routes through a nexthop object (RTA_NH_ID) or with an encapsulation are left
// out too: the object goes with the device, and re-adding them as plain routes would
// be another route.
Result<std::vector<Route>> routes_through(NlSocket& s, int index) {
  nl::Message m(RTM_GETROUTE, 0);
  rtmsg rtm{};
  rtm.rtm_family = AF_UNSPEC;
  m.put(rtm);
  m.attr_u32(RTA_OIF, static_cast<uint32_t>(index));
  std::vector<Route> out;
  MR_TRY_CTX(s.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    auto* msg = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
    if (msg->rtm_flags & RTM_F_CLONED) return;
    if (msg->rtm_family != AF_INET && msg->rtm_family != AF_INET6) return;
    auto a = nl::parse_attrs<RTA_MAX>(h, sizeof(rtmsg));
    if (a[RTA_NH_ID] || a[RTA_ENCAP] || a[RTA_VIA]) return;
    auto r = parse_route(h);
    if (!through(r, index)) return;
    if (r.protocol == RTPROT_KERNEL || r.protocol == RTPROT_RA || r.protocol == RTPROT_REDIRECT) return;
    // An IPv6 multipath route may be listed once per sibling.
    if (std::any_of(out.begin(), out.end(), [&](const Route& o) { return same_route(o, r); })) return;
    out.push_back(std::move(r));
  }),
             "list routes through link index " + std::to_string(index) + " in " + s.where());
  return out;
}

Result<std::optional<MasterLink>> master_of(NlSocket& s, const LinkInfo& link) {
  if (link.master <= 0) return std::optional<MasterLink>();
  auto m = MR_TRY_VALUE(get_link(s, link.master));
  return std::optional<MasterLink>(MasterLink{m.index, m.name, m.kind});
}

// "10.9.0.0/16 via 192.0.2.99 table 100", for messages.
std::string describe(const Route& r) {
  std::string out = "route ";
  out += r.is_default() ? std::string("default") : r.destination.network().to_string();
  if (r.family() == AF_INET6 && r.is_default()) out += " (IPv6)";
  if (r.from) out += " from " + r.from->network().to_string();
  if (r.gateway) out += " via " + r.gateway->to_string();
  for (size_t i = 0; i < r.nexthops.size(); ++i) {
    out += i ? ", " : " nexthops ";
    out += r.nexthops[i].gateway ? "via " + r.nexthops[i].gateway->to_string() : "dev index " + std::to_string(r.nexthops[i].ifindex);
  }
  if (r.table != RT_TABLE_MAIN) out += " table " + std::to_string(r.table);
  if (r.metric) out += " metric " + std::to_string(r.metric);
  return out;
}

bool needs_gateway(const Route& r) {
  if (r.gateway) return true;
  return std::any_of(r.nexthops.begin(), r.nexthops.end(), [](const Nexthop& nh) { return nh.gateway.has_value(); });
}

// One recorded route, present afterwards. IPv4 deletes a multipath route whole when one
// of its nexthop devices leaves (fib_sync_down_dev() marks the fib_info dead), so it is
// added whole; IPv6 deletes only the sibling through that device (fib6_ifdown()), so
// when the rest is there each nexthop is appended, one that is there being EEXIST.
Result<void> add_route_back(NlSocket& s, const Route& r) {
  auto added = add_recorded_route(s, r, NLM_F_CREATE | NLM_F_EXCL);
  if (added || added.error().err != EEXIST) return added;
  if (r.family() != AF_INET6 || r.nexthops.size() < 2) return {};
  for (const auto& nh : r.nexthops) {
    Route one = r;
    one.nexthops = {nh};
    auto appended = add_recorded_route(s, one, NLM_F_CREATE | NLM_F_APPEND);
    if (!appended && appended.error().err != EEXIST) return appended;
  }
  return {};
}

class Restorer {
 public:
  Restorer(NlSocket& host, int index, const ReturnLink& r) : host_(host), index_(index), r_(r) {}

  Result<std::vector<Error>> run() {
    auto link = MR_TRY_VALUE(get_link(host_, index_));
    name_ = link.name;
    if (auto sysctls = restore_device_sysctls(host_, index_, name_, r_.sysctls); sysctls)
      for (auto& e : *sysctls) without(std::move(e));
    else
      without(std::move(sysctls).error().wrap("its sysctls"));
    if (r_.master) restore_master(link, *r_.master);
    restore_addresses();
    restore_routes();
    for (const auto& n : r_.neighbours)
      if (auto added = add_neighbour(host_, index_, n); !added && added.error().err != EEXIST)
        lost(std::move(added).error(), to_string(n));
    return std::move(lost_);
  }

 private:
  void without(Error e) {
    e.context = r_.host_name + " returned without " + e.context;
    lost_.push_back(std::move(e));
  }
  // The kernel's refusal of `what`: its errno and extended-ACK text, under the item's name.
  void lost(Error kernel, std::string what) {
    Error e = sys_error(kernel.err, std::move(what));
    e.kernel_msg = std::move(kernel.kernel_msg);
    without(std::move(e));
  }

  void restore_master(const LinkInfo& link, const MasterLink& want) {
    std::string what = "its master " + want.name + " (" + (want.kind.empty() ? "device" : want.kind) + ")";
    if (link.master == want.index) return;
    auto found = get_link(host_, want.index);
    if (!found) {
      if (found.error().err == ENODEV) return without(sys_error(0, what + ": gone from the host"));
      return lost(std::move(found).error(), what);
    }
    // The index may have been reused: the device there must be the one recorded.
    if (found->name != want.name || found->kind != want.kind)
      return without(sys_error(0, what + ": link index " + std::to_string(want.index) + " is now " + found->name +
                                      " (" + (found->kind.empty() ? "device" : found->kind) + ")"));
    // bond_enslave() refuses a port that is up; it brings the port up itself.
    bool down_first = want.kind == "bond" && link.up();
    Result<void> r;
    if (down_first) r = set_link_up(host_, index_, false);
    if (r) r = set_link_master(host_, index_, want.index);
    if (down_first)
      if (auto now = get_link(host_, index_); now && !now->up()) (void)set_link_up(host_, index_, true);
    if (!r) lost(std::move(r).error(), what);
  }

  void restore_addresses() {
    std::optional<LifetimeClock> now;
    if (r_.clock) {
      if (auto c = LifetimeClock::now(); c) now = std::move(*c);
    }
    for (const auto& a : r_.addresses) {
      AddressOptions opts = a.options();
      std::string what = "address " + a.prefix.to_string();
      if (a.peer) what += " peer " + a.peer->to_string();
      // The kernel names an IPv4 address after its device unless it has a label of its
      // own ("nic0:web"), which follows the device's name.
      if (!a.label.empty() && a.label != r_.host_name) {
        opts.label = a.label;
        if (a.label.starts_with(r_.host_name) && name_ != r_.host_name &&
            name_.size() + a.label.size() - r_.host_name.size() < 16)
          opts.label = name_ + a.label.substr(r_.host_name.size());
        what += " label " + a.label;
      }
      if (!a.permanent() && a.valid_lft != kForever) {
        auto elapsed = now && r_.clock ? now->since(*r_.clock) : std::nullopt;
        if (!elapsed) {
          without(sys_error(0, what + ": its lifetime was read in another boot"));
          continue;
        }
        if (*elapsed >= a.valid_lft) {
          without(sys_error(0, what + ": its lifetime ended while it was away"));
          continue;
        }
        opts.valid_lft = a.valid_lft - static_cast<uint32_t>(*elapsed);
        if (a.preferred_lft != kForever)
          opts.preferred_lft = a.preferred_lft > *elapsed ? a.preferred_lft - static_cast<uint32_t>(*elapsed) : 0;
        opts.preferred_lft = std::min(opts.preferred_lft, opts.valid_lft);
      }
      if (auto added = add_address(host_, index_, a.prefix, opts); !added && added.error().err != EEXIST)
        lost(std::move(added).error(), what);
    }
  }

  // Each route once what it needs is there: on-link routes first, then through
  // gateways, again while a round adds something (a gateway reachable only through a
  // route recorded after it). What still fails is reported with its last refusal.
  void restore_routes() {
    struct Pending {
      Route route;
      Error last;
    };
    std::vector<Pending> todo;
    for (Route rt : r_.routes) {
      if (rt.nexthops.empty()) rt.oif = index_;
      for (auto& nh : rt.nexthops)
        if (nh.ifindex == r_.host_index) nh.ifindex = index_;
      todo.push_back({std::move(rt), {}});
    }
    std::stable_partition(todo.begin(), todo.end(), [](const Pending& p) { return !needs_gateway(p.route); });
    for (bool progress = true; progress && !todo.empty();) {
      progress = false;
      std::erase_if(todo, [&](Pending& p) {
        auto added = add_route_back(host_, p.route);
        if (added) return progress = true;
        p.last = std::move(added).error();
        return false;
      });
    }
    for (auto& p : todo) lost(std::move(p.last), describe(p.route));
  }

  NlSocket& host_;
  int index_;
  const ReturnLink& r_;
  std::string name_;
  std::vector<Error> lost_;
};

}  // namespace

Result<void> capture_link_config(NlSocket& host, LinkState state, ReturnLink& r) {
  int index = state.link.index;
  r.addresses = std::move(state.addresses);
  r.sysctls = std::move(state.sysctls);
  // The address label the kernel gives by default is the device's name: only others are
  // worth a record.
  for (auto& a : r.addresses)
    if (a.label == state.link.name) a.label.clear();
  r.routes = MR_TRY_VALUE(routes_through(host, index));
  r.master = MR_TRY_VALUE(master_of(host, state.link));
  r.neighbours = MR_TRY_VALUE(list_configured_neighbours(host, index));
  if (std::any_of(r.addresses.begin(), r.addresses.end(),
                  [](const AddressInfo& a) { return !a.permanent() && a.valid_lft != kForever; }))
    r.clock = MR_TRY_VALUE(LifetimeClock::now());
  return {};
}

Result<std::vector<Error>> restore_link_config(NlSocket& host, int index, const ReturnLink& r) {
  return Restorer(host, index, r).run();
}

}  // namespace mr::netns
