// The rules of a network model that span devices and routes. Each problem names the
// origin ("file#pointer") of the setting that breaks the rule, so the same checks serve
// a network spec alone and one merged with linux.netDevices.
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "netspec/host_uses.hpp"
#include "netspec/network_spec.hpp"
#include "netspec/origin.hpp"

namespace mr::netspec {

const char* describe(HostUse::Kind k) {
  switch (k) {
    case HostUse::moved: return "moved into the container";
    case HostUse::parent: return "the parent of a macvlan";
    case HostUse::bridge: return "a bridge";
    case HostUse::veth_end: return "the host end of a veth";
  }
  return "";
}

std::vector<HostUse> host_uses(const std::vector<netns::DeviceConfig>& devices) {
  std::vector<HostUse> uses;
  for (const auto& d : devices) {
    if (auto* m = std::get_if<netns::MoveDevice>(&d.kind)) {
      // linux.netDevices name the host device in the pointer itself.
      std::string sub = d.origin.find("#/linux/netDevices/") != std::string::npos ? "" : "/move";
      uses.push_back({m->host_name, HostUse::moved, d.origin, sub});
    } else if (auto* mv = std::get_if<netns::MacvlanDevice>(&d.kind)) {
      uses.push_back({mv->parent, HostUse::parent, d.origin, "/macvlan/parent"});
    } else if (auto* v = std::get_if<netns::VethDevice>(&d.kind)) {
      if (v->bridge) uses.push_back({*v->bridge, HostUse::bridge, d.origin, "/veth/bridge"});
      if (!v->host_name.empty()) uses.push_back({v->host_name, HostUse::veth_end, d.origin, "/veth/hostName"});
    }
  }
  return uses;
}

namespace {

using netns::DeviceConfig;

// A host device may be shared only as what it can be shared as: several macvlans on one
// parent, several veths on one bridge. Anything else means the spec contradicts itself.
// A use is reported against the first earlier use of its name that it cannot share with,
// found from the first use of each kind of that name (not by comparing every pair: a
// spec may have thousands of devices).
void check_host_names(const std::vector<DeviceConfig>& devices, std::vector<Error>& out) {
  auto uses = host_uses(devices);
  constexpr size_t kKinds = 4;
  std::map<std::string_view, std::array<std::optional<size_t>, kKinds>> first_of;
  for (size_t i = 0; i < uses.size(); ++i) {
    auto& first = first_of[uses[i].name];
    bool shareable_kind = uses[i].kind == HostUse::parent || uses[i].kind == HostUse::bridge;
    std::optional<size_t> clash;
    for (size_t k = 0; k < kKinds; ++k) {
      if (!first[k] || (shareable_kind && k == static_cast<size_t>(uses[i].kind))) continue;
      if (!clash || *first[k] < *clash) clash = first[k];
    }
    if (clash) {
      const auto& earlier = uses[*clash];
      auto where = origin_error(earlier.origin, earlier.sub, "");
      out.push_back(origin_error(uses[i].origin, uses[i].sub,
                                 "host device \"" + uses[i].name + "\" is already " + describe(earlier.kind) +
                                     " at " + where.file + ":" + where.pointer));
    }
    auto& mine = first[static_cast<size_t>(uses[i].kind)];
    if (!mine) mine = i;
  }
}

void check_device_names(const std::vector<DeviceConfig>& devices, std::vector<Error>& out) {
  std::map<std::string, const DeviceConfig*> seen;
  for (const auto& d : devices) {
    std::string sub = d.origin.find("#/linux/netDevices/") != std::string::npos ? "" : "/name";
    if (d.name == "lo") {
      out.push_back(origin_error(d.origin, sub, "\"lo\" is the container's own loopback device"));
      continue;
    }
    if (d.name.ends_with("%d")) continue;  // the kernel picks a free number
    auto [it, fresh] = seen.emplace(d.name, &d);
    if (!fresh) {
      auto first = origin_error(it->second->origin, "", "");
      out.push_back(origin_error(d.origin, sub, "duplicate device name \"" + d.name + "\" (first at " + first.file +
                                                    ":" + first.pointer + ")"));
    }
  }
}

// An address may be configured once: on two devices the kernel would accept it and
// answer ARP/ND for it twice.
void check_addresses(const std::vector<DeviceConfig>& devices, std::vector<Error>& out) {
  std::map<netns::IpAddress, std::string> seen;
  auto add = [&](const netns::IpPrefix& p, const std::string& origin, const std::string& sub) {
    auto [it, fresh] = seen.emplace(p.address, origin + sub);
    if (!fresh) out.push_back(origin_error(origin, sub, "duplicate address " + p.address.to_string()));
  };
  auto usable = [&](const netns::IpPrefix& p, const std::string& origin, const std::string& sub) {
    if (auto r = netns::check_device_address(p); !r) out.push_back(origin_error(origin, sub, r.error().context));
  };
  for (const auto& d : devices) {
    for (size_t i = 0; i < d.addresses.size(); ++i) {
      add(d.addresses[i], d.origin, "/addresses/" + std::to_string(i));
      usable(d.addresses[i], d.origin, "/addresses/" + std::to_string(i));
    }
    if (auto* v = std::get_if<netns::VethDevice>(&d.kind))
      for (size_t i = 0; i < v->host_addresses.size(); ++i) {
        add(v->host_addresses[i], d.origin, "/veth/hostAddresses/" + std::to_string(i));
        usable(v->host_addresses[i], d.origin, "/veth/hostAddresses/" + std::to_string(i));
      }
    // The kernel turns IPv6 off on a link whose MTU is below 1280 (RFC 8200, addrconf_notify()).
    bool has_v6 = std::any_of(d.addresses.begin(), d.addresses.end(), [](auto& p) { return p.family() == AF_INET6; });
    if (d.mtu && *d.mtu < 1280 && has_v6)
      out.push_back(origin_error(d.origin, "/mtu", "expected an MTU of at least 1280 on a device with IPv6 addresses (got " +
                                                      std::to_string(*d.mtu) + ")"));
  }
}

// A passthru macvlan takes its parent over (macvlan_common_newlink() refuses it on a
// parent that has a macvlan, and any macvlan on a parent that has a passthru one).
void check_passthru(const std::vector<DeviceConfig>& devices, std::vector<Error>& out) {
  auto macvlan = [](const DeviceConfig& d) { return std::get_if<netns::MacvlanDevice>(&d.kind); };
  for (size_t i = 0; i < devices.size(); ++i) {
    const auto* mv = macvlan(devices[i]);
    if (!mv) continue;
    for (size_t j = 0; j < i; ++j) {
      const auto* earlier = macvlan(devices[j]);
      if (!earlier || earlier->parent != mv->parent) continue;
      if (mv->mode != netns::MacvlanMode::passthru && earlier->mode != netns::MacvlanMode::passthru) continue;
      auto where = origin_error(devices[j].origin, "", "");
      bool mine = mv->mode == netns::MacvlanMode::passthru;
      out.push_back(origin_error(devices[i].origin, mine ? "/macvlan/mode" : "/macvlan/parent",
                                 "host device \"" + mv->parent + "\" has " + (mine ? "a" : "a passthru") +
                                     " macvlan already (at " + where.file + ":" + where.pointer +
                                     "); a passthru macvlan must be its parent's only one"));
      break;
    }
  }
}

bool keeps_host_addresses(const DeviceConfig& d) {
  auto* m = std::get_if<netns::MoveDevice>(&d.kind);
  return m && m->keep_addresses != netns::KeepAddresses::none;
}

// The subnets of some devices' addresses. Whether a gateway is on one of them takes one
// lookup per prefix length in use, not one test per address: a device may have tens of
// thousands of addresses, and a spec as many routes.
class Subnets {
 public:
  void add(const netns::IpPrefix& p) {
    networks_.insert(p.network());
    lengths_[p.family() == AF_INET6].insert(p.length);
  }
  bool contain(const netns::IpAddress& a) const {
    for (uint8_t length : lengths_[a.family == AF_INET6])
      if (networks_.contains(netns::IpPrefix{a, length}.network())) return true;
    return false;
  }

 private:
  std::set<netns::IpPrefix> networks_;
  std::set<uint8_t> lengths_[2];
};

void check_routes(const netns::NetConfig& net, std::vector<Error>& out) {
  if (net.routes.empty()) return;
  // By name, the first device of each name (a second is reported by check_device_names).
  std::map<std::string_view, size_t> by_name;
  std::vector<Subnets> subnets(net.devices.size());
  Subnets all;
  bool any_keeps = false;
  for (size_t i = 0; i < net.devices.size(); ++i) {
    const auto& d = net.devices[i];
    by_name.emplace(d.name, i);
    for (const auto& p : d.addresses) {
      subnets[i].add(p);
      all.add(p);
    }
    any_keeps = any_keeps || keeps_host_addresses(d);
  }
  std::set<std::tuple<netns::IpPrefix, uint32_t>> seen;
  for (const auto& r : net.routes) {
    const DeviceConfig* dev = nullptr;
    const Subnets* on = &all;
    if (r.device && *r.device != "lo") {
      auto it = by_name.find(*r.device);
      if (it == by_name.end()) {
        out.push_back(origin_error(r.origin, "/device", "no device named \"" + *r.device + "\" in the container"));
        continue;
      }
      dev = &net.devices[it->second];
      on = &subnets[it->second];
      if (!dev->up) out.push_back(origin_error(r.origin, "/device", "device \"" + *r.device + "\" is down"));
    }
    if (!seen.emplace(r.to, r.metric).second)
      out.push_back(origin_error(r.origin, "/to", "duplicate route to " + r.to.to_string() + " with metric " +
                                                     std::to_string(r.metric)));
    if (!r.via || r.onlink) continue;
    if (r.via->is_ipv6_link_local()) {
      if (!r.device) out.push_back(origin_error(r.origin, "/device", "a link-local gateway needs a \"device\""));
      continue;
    }
    // Devices that keep the host's addresses get prefixes only known at run time.
    bool unknown = dev ? keeps_host_addresses(*dev) : any_keeps;
    if (!unknown && !on->contain(*r.via))
      out.push_back(origin_error(r.origin, "/via", "gateway " + r.via->to_string() + " is outside every prefix of " +
                                                       (dev ? "device \"" + dev->name + "\"" : std::string("the container")) +
                                                       " (add an address in its subnet, or set \"onlink\": true)"));
  }
}

}  // namespace

std::vector<Error> check_net_config(const netns::NetConfig& net) {
  std::vector<Error> out;
  check_device_names(net.devices, out);
  check_host_names(net.devices, out);
  check_addresses(net.devices, out);
  check_passthru(net.devices, out);
  check_routes(net, out);
  return out;
}

}  // namespace mr::netspec
