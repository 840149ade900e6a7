// The rules of a network model that span devices and routes. Each problem names the
// origin ("file#pointer") of the setting that breaks the rule, so the same checks serve
// a network spec alone and one merged with linux.netDevices.
#include <algorithm>
#include <map>
#include <set>

#include "oci/host_uses.hpp"
#include "oci/network_spec.hpp"
#include "oci/origin.hpp"

namespace mr::oci {

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
void check_host_names(const std::vector<DeviceConfig>& devices, std::vector<netns::Error>& out) {
  auto uses = host_uses(devices);
  for (size_t i = 0; i < uses.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (uses[i].name != uses[j].name) continue;
      bool shareable = uses[i].kind == uses[j].kind && (uses[i].kind == HostUse::parent || uses[i].kind == HostUse::bridge);
      if (shareable) continue;
      auto where = origin_error(uses[j].origin, uses[j].sub, "");
      out.push_back(origin_error(uses[i].origin, uses[i].sub,
                                 "host device \"" + uses[i].name + "\" is already " + describe(uses[j].kind) +
                                     " at " + where.file + ":" + where.pointer));
      break;
    }
  }
}

void check_device_names(const std::vector<DeviceConfig>& devices, std::vector<netns::Error>& out) {
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
void check_addresses(const std::vector<DeviceConfig>& devices, std::vector<netns::Error>& out) {
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
void check_passthru(const std::vector<DeviceConfig>& devices, std::vector<netns::Error>& out) {
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

void check_routes(const netns::NetConfig& net, std::vector<netns::Error>& out) {
  std::set<std::tuple<netns::IpPrefix, uint32_t>> seen;
  for (const auto& r : net.routes) {
    const DeviceConfig* dev = nullptr;
    if (r.device && *r.device != "lo") {
      auto it = std::find_if(net.devices.begin(), net.devices.end(), [&](auto& d) { return d.name == *r.device; });
      if (it == net.devices.end()) {
        out.push_back(origin_error(r.origin, "/device", "no device named \"" + *r.device + "\" in the container"));
        continue;
      }
      dev = &*it;
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
    std::vector<const DeviceConfig*> candidates;
    if (dev) candidates.push_back(dev);
    else for (const auto& d : net.devices) candidates.push_back(&d);
    bool unknown = std::any_of(candidates.begin(), candidates.end(), [](auto* d) { return keeps_host_addresses(*d); });
    bool reachable = std::any_of(candidates.begin(), candidates.end(), [&](auto* d) {
      return std::any_of(d->addresses.begin(), d->addresses.end(), [&](auto& p) { return p.contains(*r.via); });
    });
    if (!reachable && !unknown)
      out.push_back(origin_error(r.origin, "/via", "gateway " + r.via->to_string() + " is outside every prefix of " +
                                                       (dev ? "device \"" + dev->name + "\"" : std::string("the container")) +
                                                       " (add an address in its subnet, or set \"onlink\": true)"));
  }
}

}  // namespace

std::vector<netns::Error> check_net_config(const netns::NetConfig& net) {
  std::vector<netns::Error> out;
  check_device_names(net.devices, out);
  check_host_names(net.devices, out);
  check_addresses(net.devices, out);
  check_passthru(net.devices, out);
  check_routes(net, out);
  return out;
}

}  // namespace mr::oci
