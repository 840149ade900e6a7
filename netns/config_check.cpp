#include "netns/config_check.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "netns/sysctl.hpp"

#include "base/fnv.hpp"

namespace mr::netns {

namespace {

std::unexpected<Error> at(const std::string& origin, Error e) { return std::unexpected(at_origin(std::move(e), origin)); }

// An input error at `origin` (a device's or route's).
std::unexpected<Error> refuse(const std::string& origin, std::string what) {
  Error e;
  e.context = std::move(what);
  return at(origin, std::move(e));
}

Result<void> check_name(std::string_view name, bool template_allowed) {
  MR_TRY(check_ifname(name));
  if (!is_name_template(name)) return {};
  if (!template_allowed)
    return fail(EINVAL, "name template \"" + std::string(name) + "\" is only allowed for a moved device");
  if (!name.ends_with("%d") || name.find('%') != name.size() - 2)
    return fail(EINVAL, "name template \"" + std::string(name) + "\" must end in a single %d");
  return {};
}

Result<void> check_device(const DeviceConfig& d) {
  bool moved = std::holds_alternative<MoveDevice>(d.kind);
  MR_TRY_CTX(check_name(d.name, moved), "device name");
  if (d.name == "lo") return fail(EEXIST, "device name \"lo\" is the container's loopback");
  if (d.mac && d.mac->is_multicast())
    return fail(EINVAL, "device " + d.name + ": MAC " + d.mac->to_string() + " is a multicast address");
  if (d.mtu && *d.mtu < 68) return fail(EINVAL, "device " + d.name + ": MTU " + std::to_string(*d.mtu) + " is below 68");
  std::set<IpPrefix> seen;
  for (const auto& a : d.addresses) {
    if (a.family() != AF_INET && a.family() != AF_INET6)
      return fail(EINVAL, "device " + d.name + ": address without a family");
    if (!seen.insert(a).second) return fail(EEXIST, "device " + d.name + ": address " + a.to_string() + " given twice");
    MR_TRY_CTX(check_device_address(a), "device " + d.name);
  }
  if (auto* v = std::get_if<VethDevice>(&d.kind))
    for (const auto& a : v->host_addresses) MR_TRY_CTX(check_device_address(a), "device " + d.name + ": host end");
  return {};
}

}  // namespace

bool is_name_template(std::string_view name) { return name.find('%') != std::string_view::npos; }

std::string derived_veth_name(std::string_view container_id, size_t position, int variant) {
  char buf[32];
  // At most 3 digits of position and one letter keep the name within 15 bytes.
  int n = std::snprintf(buf, sizeof buf, "mr%08x-%zu", fnv1a(container_id), position % 1000);
  if (variant > 0 && variant <= kDerivedVethVariants) std::snprintf(buf + n, sizeof buf - n, "%c", 'a' + variant - 1);
  return buf;
}

bool is_derived_veth_name(std::string_view name) {
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.size() < 12 || !name.starts_with("mr") || name[10] != '-') return false;
  if (!std::all_of(name.begin() + 2, name.begin() + 10, is_hex)) return false;
  auto rest = name.substr(11);
  if (!rest.empty() && rest.back() >= 'a' && rest.back() <= 'z') rest.remove_suffix(1);
  return !rest.empty() && rest.size() <= 3 && std::all_of(rest.begin(), rest.end(), is_digit);
}

std::string veth_host_name(const VethDevice& v, std::string_view container_id, size_t position) {
  return v.host_name.empty() ? derived_veth_name(container_id, position) : v.host_name;
}

Result<void> check_config(const NetConfig& cfg, std::string_view container_id) {
  std::set<std::string> ctr_names, host_names, moved;
  for (const auto& d : cfg.devices)
    if (auto* m = std::get_if<MoveDevice>(&d.kind)) moved.insert(m->host_name);
  for (size_t i = 0; i < cfg.devices.size(); ++i) {
    const auto& d = cfg.devices[i];
    if (auto r = check_device(d); !r) return at(d.origin, std::move(r).error());
    if (!ctr_names.insert(d.name).second)
      return refuse(d.origin, "device name \"" + d.name + "\" is used twice in the container");
    std::string host_side;
    if (auto* m = std::get_if<MoveDevice>(&d.kind)) {
      host_side = m->host_name;
    } else if (auto* mv = std::get_if<MacvlanDevice>(&d.kind)) {
      if (auto r = check_ifname(mv->parent); !r) return at(d.origin, std::move(r).error().wrap("macvlan parent"));
      if (moved.contains(mv->parent))
        return refuse(d.origin, "macvlan parent \"" + mv->parent + "\" is moved into the container too");
    } else if (auto* n = std::get_if<NetworkDevice>(&d.kind)) {
      if (container_id.empty()) return refuse(d.origin, "a device on a network needs a container id to name its veth");
      if (n->network_id.empty() || n->subnets.empty())
        return refuse(d.origin, "network \"" + n->network + "\" was not resolved to a definition");
      if (auto r = check_ifname(n->bridge); !r) return at(d.origin, std::move(r).error().wrap("network bridge"));
      host_side = derived_veth_name(container_id, i);
    } else {
      const auto& v = std::get<VethDevice>(d.kind);
      if (v.host_name.empty() && container_id.empty())
        return refuse(d.origin, "veth without a host name needs a container id to derive one");
      host_side = veth_host_name(v, container_id, i);
      if (v.bridge)
        if (auto r = check_ifname(*v.bridge); !r) return at(d.origin, std::move(r).error().wrap("veth bridge"));
    }
    if (host_side.empty()) continue;
    if (auto r = check_ifname(host_side); !r) return at(d.origin, std::move(r).error().wrap("host device name"));
    if (!host_names.insert(host_side).second)
      return refuse(d.origin, "host device \"" + host_side + "\" is used twice");
  }
  for (const auto& r : cfg.routes) {
    if (r.to.family() != AF_INET && r.to.family() != AF_INET6)
      return refuse(r.origin, "route destination without an address family");
    if (r.via && r.via->family != r.to.family())
      return refuse(r.origin, "route to " + r.to.to_string() + " via " + r.via->to_string() + ": address families differ");
    if (!r.via && !r.device) return refuse(r.origin, "route to " + r.to.to_string() + " needs a gateway or a device");
    if (r.onlink && !r.device) return refuse(r.origin, "an on-link route needs a device");
    if (r.device && !ctr_names.contains(*r.device))
      return refuse(r.origin, "route device \"" + *r.device + "\" is not a device of this configuration");
  }
  for (const auto& [key, value] : cfg.sysctls) {
    if (auto r = sysctl_path(key); !r) return std::unexpected(std::move(r).error());
    if (value.find('\n') != std::string::npos && value.find('\n') + 1 != value.size())
      return fail(EINVAL, "sysctl " + key + ": value spans lines");
  }
  return {};
}

}  // namespace mr::netns
