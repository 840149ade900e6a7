#include "netns/device_network.hpp"

#include "netns/address.hpp"
#include "netns/device_recipe.hpp"
#include "netns/device_veth.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"
#include "netns/route.hpp"

namespace mr::netns {

namespace {

// The addresses the container gets, one per subnet: the one asked for in that subnet,
// else a free one. Chosen under the pool's lock, which is held until they are recorded.
Result<std::vector<IpAddress>> choose_addresses(const NetworkDevice& n, AddressPool& pool) {
  std::vector<IpAddress> out;
  for (const auto& a : n.requested) {
    bool inside = false;
    for (const auto& s : n.subnets) inside = inside || s.subnet.contains(a);
    if (!inside) return fail(EINVAL, "address " + a.to_string() + " is in no subnet of network " + n.network);
  }
  for (const auto& s : n.subnets) {
    std::optional<IpAddress> asked;
    for (const auto& a : n.requested)
      if (s.subnet.contains(a)) asked = a;
    if (asked) {
      MR_TRY(pool.check_request(s, *asked, n.network));
      out.push_back(*asked);
    } else {
      out.push_back(MR_TRY_VALUE(pool.pick(s, n.network)));
    }
  }
  return out;
}

const PoolSubnet* subnet_of(const NetworkDevice& n, const IpAddress& a) {
  for (const auto& s : n.subnets)
    if (s.subnet.contains(a)) return &s;
  return nullptr;
}

// The network's bridge, made with its gateway addresses if the pool has none yet. One
// the user named must be there, a bridge, with the gateways on it: it is theirs, and
// nothing of it is changed. One of the network's own name that the pool did not make
// is someone else's: refused rather than taken over.
Result<int> bridge_for(const NetworkDevice& n, AddressPool& pool, CreateContext& c) {
  auto& host = c.targets.host;
  auto found = MR_TRY_VALUE(find_link(host, n.bridge));
  if (n.bridge_given) {
    if (!found) return fail(ENODEV, "bridge " + n.bridge + " of network " + n.network + " is not on the host");
    if (found->kind != "bridge") return fail(EINVAL, n.bridge + " of network " + n.network + " is not a bridge");
    auto held = MR_TRY_VALUE(list_addresses(host, found->index));
    for (const auto& s : n.subnets) {
      bool has = false;
      for (const auto& a : held) has = has || a.prefix.address == s.gateway;
      if (!has)
        return fail(EINVAL, "bridge " + n.bridge + " does not hold network " + n.network + "'s gateway " +
                                s.gateway.to_string());
    }
    return found->index;
  }
  auto made = MR_TRY_VALUE(pool.made_bridge());
  if (found) {
    if (found->kind == "bridge" && made && *made == found->index) return found->index;
    return fail(EEXIST, "a link named " + n.bridge + " is on the host, not the bridge mini-runc made for network " +
                            n.network);
  }
  MR_TRY(c.faults.step("bridge " + n.bridge));
  MR_TRY(create_bridge(host, n.bridge, {.mtu = n.mtu, .up = true}));
  auto bridge = MR_TRY_VALUE(get_link(host, n.bridge));
  MR_TRY(pool.set_made_bridge(bridge.index));
  for (const auto& s : n.subnets) {
    MR_TRY(c.faults.step("gateway " + s.gateway.to_string()));
    MR_TRY(add_address(host, bridge.index, IpPrefix{s.gateway, s.subnet.length}, {.no_dad = true}));
  }
  return bridge.index;
}

// The container's end: its addresses, up, and the default routes through the gateways.
Result<void> configure_inside(const DeviceConfig& d, const NetworkDevice& n, const std::vector<IpAddress>& addresses,
                              int index, CreateContext& c) {
  auto& ctr = c.targets.container_nl;
  for (const auto& a : addresses) {
    MR_TRY(c.faults.step("address " + a.to_string()));
    MR_TRY(add_address(ctr, index, IpPrefix{a, subnet_of(n, a)->subnet.length}, {.no_dad = true}));
  }
  MR_TRY(c.faults.step("up " + d.name));
  MR_TRY(set_link_up(ctr, index, true));
  if (n.internal) return {};
  for (const auto& a : addresses) {
    const PoolSubnet& s = *subnet_of(n, a);
    Route r;
    r.destination = IpPrefix{IpAddress{.family = a.family}, 0};
    r.gateway = s.gateway;
    r.oif = index;
    MR_TRY(c.faults.step("route via " + s.gateway.to_string()));
    MR_TRY(add_route(ctr, r));
  }
  return {};
}

}  // namespace

Result<AppliedDevice> create_device(const DeviceConfig& d, const NetworkDevice& n, size_t position, CreateContext& c) {
  auto& t = c.targets;
  std::string dir = n.pool_dir.empty() ? MR_TRY_VALUE(pool_dir_of(t.host, n.network_id)) : n.pool_dir;
  std::string host_name = MR_TRY_VALUE(free_derived_veth_name(t.host, t.container_id, position));
  auto pool = MR_TRY_VALUE(AddressPool::lock(dir));
  auto addresses = MR_TRY_VALUE(choose_addresses(n, pool));
  uint64_t seq = MR_TRY_VALUE(c.journal.record(
      LeaveNetwork{host_name, d.name, n.network, dir, n.bridge, n.bridge_given, addresses}));
  // From here every failure leaves the step pending: apply()'s rollback undoes it, which
  // gives back what was taken and deletes a bridge no other container uses.
  AddressHolder self{c.journal.path(), seq, t.container_id};
  for (const auto& a : addresses) {
    MR_TRY(c.faults.step("lease " + a.to_string()));
    MR_TRY(pool.hold(a, self));
  }
  int bridge = MR_TRY_VALUE(bridge_for(n, pool, c));
  MR_TRY(c.faults.step("veth " + d.name));
  MR_TRY(create_veth(t.host, {.name = host_name, .peer_name = d.name, .peer_ns = &t.container,
                              .settings = {.mtu = d.mtu ? d.mtu : n.mtu, .up = true, .master = bridge},
                              .peer_settings = {.mtu = d.mtu ? d.mtu : n.mtu, .mac = d.mac}}));
  auto host_end = MR_TRY_VALUE(get_link(t.host, host_name));
  MR_TRY(c.lease(seq, host_end.index, LeaseRole::veth_end, host_name));
  MR_TRY(c.faults.step("no IPv6 link-local on " + host_name));
  MR_TRY(suppress_ipv6_link_local(t.host, host_name));
  auto link = MR_TRY_VALUE(get_link(t.container_nl, d.name));
  MR_TRY(configure_inside(d, n, addresses, link.index, c));
  return AppliedDevice{d.name, link.index, host_name, d.origin};
}

void encode_record(const LeaveNetwork& r, RecordFields& f) {
  f.add("host", r.host_name);
  f.add("ctr", r.ctr_name);
  f.add("network", r.network);
  f.add("pool", r.pool_dir);
  f.add("bridge", r.bridge);
  f.add("given", r.bridge_given ? "1" : "0");
  for (const auto& a : r.addresses) f.add("addr", a.to_string());
}

Result<LeaveNetwork> decode_record(const ParsedRecord& p, std::type_identity<LeaveNetwork>) {
  LeaveNetwork r;
  r.host_name = MR_TRY_VALUE(p.name("host"));
  r.ctr_name = MR_TRY_VALUE(p.name("ctr"));
  r.network = MR_TRY_VALUE(p.one("network"));
  r.pool_dir = MR_TRY_VALUE(p.one("pool"));
  if (!r.pool_dir.starts_with('/')) return fail(EINVAL, "bad pool directory");
  r.bridge = MR_TRY_VALUE(p.name("bridge"));
  auto given = MR_TRY_VALUE(p.one("given"));
  if (given != "0" && given != "1") return fail(EINVAL, "bad given=");
  r.bridge_given = given == "1";
  for (const auto& text : p.all("addr")) r.addresses.push_back(MR_TRY_VALUE(IpAddress::parse(text)));
  return r;
}

std::string describe(const LeaveNetwork& r) { return "leave network " + r.network + " (veth " + r.host_name + ")"; }

Result<void> undo_device(const LeaveNetwork& r, UndoContext& c) {
  auto& host = c.targets.host;
  auto pool = MR_TRY_VALUE(AddressPool::lock(r.pool_dir));
  // The veth, as a veth recipe's: only the pair whose peer is in the container's namespace.
  MR_TRY(undo_device(DeleteVeth{r.host_name, r.ctr_name}, c));
  AddressHolder self{c.journal_path, c.seq, ""};
  MR_TRY(pool.release(r.addresses, self));
  if (r.bridge_given || MR_TRY_VALUE(pool.has_members_besides(self))) return {};
  auto made = MR_TRY_VALUE(pool.made_bridge());
  if (!made) return {};
  // The last one out: the bridge goes, if it is still the one the pool made (its ifindex,
  // which the host never gives to another link while it runs, its name and its kind).
  auto bridge = MR_TRY_VALUE(find_link_index(host, *made));
  if (bridge && bridge->name == r.bridge && bridge->kind == "bridge")
    MR_TRY(UndoContext::ignore_gone(delete_link(host, bridge->index)));
  else if (auto other = MR_TRY_VALUE(find_link(host, r.bridge)))
    c.warn("bridge " + r.bridge + " of network " + r.network + " is not the one mini-runc made: left alone");
  return pool.set_made_bridge(std::nullopt);
}

Result<std::optional<LinkInfo>> find_live(const LeaveNetwork& r, LentPlaces& at) {
  return find_live(DeleteVeth{r.host_name, r.ctr_name}, at);
}

Result<LinkOrigin> origin_of(const LeaveNetwork& r, NlSocket& host, const LinkInfo& link) {
  LinkOrigin o = MR_TRY_VALUE(origin_of(DeleteVeth{r.host_name, r.ctr_name}, host, link));
  o.source = LinkSource::network;
  o.network = r.network;
  return o;
}

ExportedDevice export_device(const ShownLink& l, std::type_identity<LeaveNetwork>) {
  // Its addresses are the network's to hand out: a container made from the export asks
  // for a fresh one rather than the first one's (which it still holds).
  DeviceConfig d = exported_basics(l);
  d.addresses.clear();
  d.kind = NetworkDevice{.network = l.origin.network};
  return {std::move(d), ""};
}

}  // namespace mr::netns
