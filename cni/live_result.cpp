#include "cni/live_result.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>

namespace mr::cni {

namespace {

const ResultInterface* sandboxed(const AddResult& r, const std::string& ifname) {
  for (const auto& i : r.interfaces)
    if (i.name == ifname && !i.sandbox.empty()) return &i;
  return nullptr;
}

}  // namespace

AddResult live_result(const netns::ContainerNetworkView& view, const std::string& ifname, const std::string& sandbox,
                      const std::vector<netns::PoolSubnet>& subnets, bool dns) {
  AddResult r;
  // The journal's device, found by its proof: one the workload made under the name is
  // not it (inspect.hpp).
  auto shown = std::find_if(view.links.begin(), view.links.end(), [&](const netns::ShownLink& l) {
    return l.link.name == ifname && l.origin.source != netns::LinkSource::container;
  });
  if (shown == view.links.end()) return r;
  // A veth's host end is an interface of the attachment too; a moved device's or a
  // macvlan parent's host name is not.
  auto source = shown->origin.source;
  if (source == netns::LinkSource::network || source == netns::LinkSource::veth)
    r.interfaces.push_back({.name = shown->origin.host_name});
  const int index = static_cast<int>(r.interfaces.size());
  r.interfaces.push_back({.name = ifname, .mac = shown->link.mac, .mtu = shown->link.mtu, .sandbox = sandbox});
  for (const auto& a : shown->addresses) {
    // The kernel's own fe80:: address is no address the network handed out.
    if (a.scope != RT_SCOPE_UNIVERSE || a.prefix.address.is_ipv6_link_local()) continue;
    ResultIp ip{.address = a.prefix, .interface = index};
    for (const auto& s : subnets)
      if (s.subnet.contains(a.prefix.address)) ip.gateway = s.gateway;
    r.ips.push_back(ip);
  }
  // The routes through it that were asked for: not those the kernel made for its
  // addresses' prefixes.
  for (const auto& route : view.routes)
    if (route.oif == shown->link.index && route.protocol != RTPROT_KERNEL && route.type == RTN_UNICAST)
      r.routes.push_back({route.destination, route.gateway});
  if (dns)
    for (const auto& s : subnets) r.dns.nameservers.push_back(s.gateway.to_string());
  return r;
}

void add_ipam_details(AddResult& live, const AddResult& ipam) {
  for (auto& ip : live.ips)
    for (const auto& given : ipam.ips)
      if (given.address == ip.address) ip.gateway = given.gateway;
  live.dns = ipam.dns;
}

std::vector<std::string> differences(const AddResult& recorded, const AddResult& live, const std::string& ifname) {
  std::vector<std::string> out;
  const ResultInterface* was = sandboxed(recorded, ifname);
  const ResultInterface* is = sandboxed(live, ifname);
  if (!was) return {ifname + ": the recorded result has no such interface"};
  if (!is) return {ifname + ": not in the namespace (or not the device ADD made)"};
  if (was->mac != is->mac)
    out.push_back(ifname + ": MAC address " + (is->mac ? is->mac->to_string() : "none") + ", was " +
                  (was->mac ? was->mac->to_string() : "none"));
  if (was->mtu != 0 && was->mtu != is->mtu)
    out.push_back(ifname + ": MTU " + std::to_string(is->mtu) + ", was " + std::to_string(was->mtu));
  for (const auto& ip : recorded.ips)
    if (std::none_of(live.ips.begin(), live.ips.end(), [&](const ResultIp& l) { return l.address == ip.address; }))
      out.push_back(ifname + ": address " + ip.address.to_string() + " is missing");
  for (const auto& ip : live.ips)
    if (std::none_of(recorded.ips.begin(), recorded.ips.end(), [&](const ResultIp& r) { return r.address == ip.address; }))
      out.push_back(ifname + ": address " + ip.address.to_string() + " was not given by ADD");
  // A later plugin of the chain may add routes (SPEC.md, CHECK); those ADD made must stay.
  for (const auto& route : recorded.routes)
    if (std::find(live.routes.begin(), live.routes.end(), route) == live.routes.end())
      out.push_back(ifname + ": route to " + route.dst.to_string() +
                    (route.gw ? " via " + route.gw->to_string() : std::string()) + " is missing");
  return out;
}

AddResult with_chain_changes(AddResult recorded, const AddResult& prev, const std::string& ifname) {
  const ResultInterface* chained = sandboxed(prev, ifname);
  if (!chained) return recorded;
  for (auto& i : recorded.interfaces)
    if (i.name == ifname && !i.sandbox.empty()) {
      if (chained->mac) i.mac = chained->mac;
      i.mtu = chained->mtu;
    }
  return recorded;
}

std::vector<std::string> missing_from_prev_result(const AddResult& prev, const AddResult& live, const std::string& ifname) {
  auto at = std::find_if(prev.interfaces.begin(), prev.interfaces.end(),
                         [&](const ResultInterface& i) { return i.name == ifname && !i.sandbox.empty(); });
  if (at == prev.interfaces.end()) return {ifname + ": not in prevResult"};
  const int index = static_cast<int>(at - prev.interfaces.begin());
  std::vector<std::string> out;
  for (const auto& ip : prev.ips)
    if (ip.interface == index &&
        std::none_of(live.ips.begin(), live.ips.end(), [&](const ResultIp& l) { return l.address == ip.address; }))
      out.push_back(ifname + ": address " + ip.address.to_string() + " of prevResult is missing");
  return out;
}

}  // namespace mr::cni
