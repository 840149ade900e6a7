#include "netns/device_network.hpp"

#include <algorithm>
#include <charconv>

#include "netns/address.hpp"
#include "netns/device_recipe.hpp"
#include "netns/device_veth.hpp"
#include "netns/link_proof.hpp"
#include "netns/journal.hpp"
#include "netns/namespace.hpp"
#include "netns/route.hpp"
#include "netns/sysctl.hpp"

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

// A bridge without an address of its own takes its ports' lowest (br_stp_recalculate_bridge_id()),
// so the gateway's MAC would change when that container leaves, and the others' ARP
// entries for the gateway would point nowhere until they go stale. The network's own
// address instead: locally administered, unicast, from its id.
MacAddress bridge_mac(const std::string& network_id) {
  MacAddress mac{{0x02, 0, 0, 0, 0, 0}};
  for (size_t i = 1; i < mac.bytes.size() && 2 * i <= network_id.size(); ++i) {
    unsigned byte = 0;
    std::from_chars(network_id.data() + 2 * (i - 1), network_id.data() + 2 * i, byte, 16);
    mac.bytes[i] = static_cast<uint8_t>(byte);
  }
  return mac;
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
  MR_TRY(create_bridge(host, n.bridge, {.mtu = n.mtu, .mac = bridge_mac(n.network_id), .up = true}));
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
    // A container on several networks has a default route through each, the later
    // ones behind (metric 100, 101, ...), as podman's are: the kernel refuses a second
    // route of one prefix and metric.
    auto added = add_route(ctr, r);
    for (r.metric = 100; !added && added.error().err == EEXIST && r.metric < 1100; ++r.metric) added = add_route(ctr, r);
    MR_TRY(added);
  }
  return {};
}

// What the filter is asked for: the network, and each published port towards the
// container's address of each family the port's host address allows.
FilterRules filter_rules(const NetworkDevice& n, const std::vector<IpAddress>& addresses, const std::string& id) {
  FilterRules r{.network_id = n.network_id, .bridge = n.bridge, .internal = n.internal, .container = id};
  for (const auto& s : n.subnets) r.subnets.push_back(s.subnet);
  for (const auto& p : n.ports)
    for (const auto& a : addresses)
      if (!p.host_ip || p.host_ip->family == a.family) {
        FilterPort to = p;
        to.container_ip = a;
        r.ports.push_back(to);
      }
  return r;
}

// A network with a way out needs the host to forward; the host's own traffic to a
// published port on 127.0.0.1 needs the bridge to route it (route_localnet). Forwarding
// stays on when the network goes, as with every engine: other networks, or the
// administrator, may rely on it by then.
Result<void> let_host_route(const NetworkDevice& n, CreateContext& c) {
  if (n.internal) return {};
  for (const auto& s : n.subnets) {
    const char* key = s.subnet.family() == AF_INET ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
    if (MR_TRY_VALUE(read_sysctl(c.targets.host_ns, key)) == "1") continue;
    MR_TRY(c.faults.step(std::string("sysctl ") + key));
    MR_TRY(write_sysctl(c.targets.host_ns, key, "1"));
  }
  if (n.bridge_given || n.ports.empty()) return {};
  return write_sysctl(c.targets.host_ns, "net.ipv4.conf." + n.bridge + ".route_localnet", "1");
}

Result<void> filter_in(const FilterRules& rules, CreateContext& c) {
  auto* filter = packet_filter();
  if (!filter) return fail(ENOSYS, "no packet filter is installed for managed networks");
  MR_TRY(c.faults.step("firewall " + rules.network_id.substr(0, 12)));
  return filter->add(rules);
}

// "6/8080/80/1/-/10.89.1.2": protocol, host port, container port, range, host address
// ("-": every one), container address.
Result<FilterPort> decode_port(std::string_view text) {
  std::vector<std::string_view> f;
  for (size_t start = 0;;) {
    auto slash = text.find('/', start);
    f.push_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (f.size() != 6) return fail(EINVAL, "bad port=");
  FilterPort p;
  p.protocol = MR_TRY_VALUE(parse_number<uint8_t>(f[0], "port protocol"));
  p.host_port = MR_TRY_VALUE(parse_number<uint16_t>(f[1], "host port"));
  p.container_port = MR_TRY_VALUE(parse_number<uint16_t>(f[2], "container port"));
  p.range = MR_TRY_VALUE(parse_number<uint16_t>(f[3], "port range"));
  if (f[4] != "-") p.host_ip = MR_TRY_VALUE(IpAddress::parse(f[4]));
  p.container_ip = MR_TRY_VALUE(IpAddress::parse(f[5]));
  return p;
}

}  // namespace

Result<AppliedDevice> create_device(const DeviceConfig& d, const NetworkDevice& n, size_t position, CreateContext& c) {
  auto& t = c.targets;
  std::string dir = n.pool_dir.empty() ? MR_TRY_VALUE(pool_dir_of(t.host, n.network_id)) : n.pool_dir;
  std::string host_name = MR_TRY_VALUE(free_derived_veth_name(t.host, t.container_id, position));
  auto pool = MR_TRY_VALUE(AddressPool::lock(dir));
  auto addresses = MR_TRY_VALUE(choose_addresses(n, pool));
  auto rules = filter_rules(n, addresses, t.container_id);
  uint64_t seq = MR_TRY_VALUE(c.journal.record(
      LeaveNetwork{host_name, d.name, n.network, dir, n.bridge, n.bridge_given, addresses, rules}));
  // From here every failure leaves the step pending: apply()'s rollback undoes it, which
  // gives back what was taken and deletes a bridge no other container uses.
  AddressHolder self{c.journal.path(), seq, t.container_id, {}};
  if (n.dns) {
    self.names.push_back(t.container_id);
    self.names.insert(self.names.end(), n.aliases.begin(), n.aliases.end());
  }
  for (const auto& a : addresses) {
    MR_TRY(c.faults.step("lease " + a.to_string()));
    MR_TRY(pool.hold(a, self));
  }
  int bridge = MR_TRY_VALUE(bridge_for(n, pool, c));
  MR_TRY(let_host_route(n, c));
  MR_TRY(filter_in(rules, c));
  MR_TRY(c.faults.step("veth " + d.name));
  MR_TRY(create_veth(t.host, {.name = host_name, .peer_name = d.name, .peer_ns = &t.container,
                              .settings = {.mtu = d.mtu ? d.mtu : n.mtu, .up = true, .master = bridge},
                              .peer_settings = {.mtu = d.mtu ? d.mtu : n.mtu, .mac = d.mac}}));
  auto host_end = MR_TRY_VALUE(get_link(t.host, host_name));
  MR_TRY(c.lease(seq, host_end.index, LeaseRole::veth_end, host_name));
  MR_TRY(c.faults.step("no IPv6 link-local on " + host_name));
  MR_TRY(suppress_ipv6_link_local(t.host, host_name));
  // A container reaches its own published ports (the veth goes at undo, and this with it).
  MR_TRY(set_bridge_port_hairpin(t.host, host_name));
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
  f.add("id", r.rules.network_id);
  f.add("owner", r.rules.container);
  f.add("internal", r.rules.internal ? "1" : "0");
  for (const auto& s : r.rules.subnets) f.add("subnet", s.to_string());
  for (const auto& p : r.rules.ports)
    f.add("port", std::to_string(p.protocol) + "/" + std::to_string(p.host_port) + "/" + std::to_string(p.container_port) +
                      "/" + std::to_string(p.range) + "/" + (p.host_ip ? p.host_ip->to_string() : "-") + "/" +
                      p.container_ip.to_string());
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
  r.rules.network_id = MR_TRY_VALUE(p.one("id"));
  r.rules.bridge = r.bridge;
  r.rules.container = MR_TRY_VALUE(p.one("owner"));
  auto internal = MR_TRY_VALUE(p.one("internal"));
  if (internal != "0" && internal != "1") return fail(EINVAL, "bad internal=");
  r.rules.internal = internal == "1";
  for (const auto& text : p.all("subnet")) r.rules.subnets.push_back(MR_TRY_VALUE(IpPrefix::parse(text)));
  for (const auto& text : p.all("port")) r.rules.ports.push_back(MR_TRY_VALUE(decode_port(text)));
  return r;
}

std::string describe(const LeaveNetwork& r) { return "leave network " + r.network + " (veth " + r.host_name + ")"; }

Result<void> undo_device(const LeaveNetwork& r, UndoContext& c) {
  auto& host = c.targets.host;
  auto pool = MR_TRY_VALUE(AddressPool::lock(r.pool_dir));
  // The veth, as a veth recipe's: only the pair whose peer is in the container's namespace.
  MR_TRY(undo_device(DeleteVeth{r.host_name, r.ctr_name}, c));
  AddressHolder self{c.journal_path, c.seq, "", {}};
  MR_TRY(pool.release(r.addresses, self));
  const bool last = !MR_TRY_VALUE(pool.has_members_besides(self));
  auto* filter = packet_filter();
  if (!filter) return fail(ENOSYS, "no packet filter is installed to take network " + r.network + "'s rules out");
  MR_TRY(filter->remove(r.rules, last));
  if (r.bridge_given || !last) return {};
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
  // One port per container address was asked for; the user asked for one.
  for (FilterPort p : r.rules.ports) {
    p.container_ip = {};
    if (std::find(o.ports.begin(), o.ports.end(), p) == o.ports.end()) o.ports.push_back(p);
  }
  return o;
}

ExportedDevice export_device(const ShownLink& l, std::type_identity<LeaveNetwork>) {
  // Its addresses are the network's to hand out: a container made from the export asks
  // for a fresh one rather than the first one's (which it still holds).
  DeviceConfig d = exported_basics(l);
  d.addresses.clear();
  d.kind = NetworkDevice{.network = l.origin.network, .ports = l.origin.ports};
  return {std::move(d), ""};
}

Result<std::optional<LeaveNetwork>> joined_by(const AddressHolder& h) {
  // A journal gone is an empty one: its container left.
  auto journal = MR_TRY_VALUE(Journal::open(h.journal));
  for (const auto& e : journal.entries())
    if (e.seq == h.seq && !e.done)
      if (const auto* step = std::get_if<LeaveNetwork>(&e.step)) return std::optional<LeaveNetwork>(*step);
  return std::optional<LeaveNetwork>();
}

}  // namespace mr::netns
