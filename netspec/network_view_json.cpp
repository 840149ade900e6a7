#include "netspec/network_view_json.hpp"

#include <netinet/in.h>

#include "netns/kernel_names.hpp"

namespace mr::netspec {

// Keys in the order written: "name" first reads better than alphabetical.
using json = nlohmann::ordered_json;

namespace {

std::string link_name(const netns::ContainerNetworkView& view, int index) {
  for (const auto& l : view.links)
    if (l.link.index == index) return l.link.name;
  return index ? "#" + std::to_string(index) : "";
}

json host_json(const netns::ShownLink& l) {
  const auto& o = l.origin;
  json out = json::object();
  switch (o.source) {
    case netns::LinkSource::container:
      return nullptr;
    case netns::LinkSource::moved:
      out["origin"] = "moved";
      out["name"] = o.host_name;
      break;
    case netns::LinkSource::veth:
      out["origin"] = "veth";
      out["name"] = o.host_name;
      if (o.bridge) out["bridge"] = *o.bridge;
      out["addresses"] = json::array();
      for (const auto& a : o.host_addresses) out["addresses"].push_back(a.to_string());
      break;
    case netns::LinkSource::macvlan:
      out["origin"] = "macvlan";
      out["parent"] = o.host_name;
      out["mode"] = netns::to_string(static_cast<netns::MacvlanMode>(l.link.macvlan_mode));
      break;
    case netns::LinkSource::network:
      out["origin"] = "network";
      out["network"] = o.network;
      out["name"] = o.host_name;
      if (o.bridge) out["bridge"] = *o.bridge;
      if (!o.ports.empty()) {
        out["ports"] = json::array();
        for (const auto& p : o.ports) out["ports"].push_back(published_port_json(p));
      }
      break;
  }
  return out;
}

}  // namespace

json published_port_json(const netns::FilterPort& p) {
  json out{{"hostPort", p.host_port}, {"containerPort", p.container_port},
           {"protocol", p.protocol == IPPROTO_UDP ? "udp" : p.protocol == IPPROTO_SCTP ? "sctp" : "tcp"}};
  if (p.host_ip) out["hostIp"] = p.host_ip->to_string();
  if (p.range != 1) out["range"] = p.range;
  return out;
}

std::string route_to_text(const netns::Route& r) {
  if (r.is_default() && (r.family() == AF_INET || r.gateway)) return "default";
  return r.destination.network().to_string();
}

json network_view_json(const netns::ContainerNetworkView& view) {
  json links = json::array();
  for (const auto& l : view.links) {
    json link{{"name", l.link.name}, {"index", l.link.index}};
    if (!l.link.kind.empty()) link["kind"] = l.link.kind;
    link["mtu"] = l.link.mtu;
    link["up"] = l.link.up();
    link["operstate"] = netns::operstate_name(l.link.operstate);
    if (l.link.mac) link["mac"] = l.link.mac->to_string();
    json addresses = json::array();
    for (const auto& a : l.addresses) addresses.push_back(a.prefix.to_string());
    link["addresses"] = std::move(addresses);
    if (json host = host_json(l); !host.is_null()) link["host"] = std::move(host);
    links.push_back(std::move(link));
  }
  json routes = json::array();
  for (const auto& r : view.routes) {
    json route{{"to", route_to_text(r)}, {"family", netns::family_name(r.family())}};
    if (r.gateway) route["via"] = r.gateway->to_string();
    if (r.oif) route["device"] = link_name(view, r.oif);
    if (r.onlink) route["onlink"] = true;
    route["metric"] = r.metric;
    route["protocol"] = netns::route_protocol_name(r.protocol);
    route["scope"] = netns::scope_name(r.scope);
    if (r.source) route["source"] = r.source->to_string();
    routes.push_back(std::move(route));
  }
  return json{{"links", std::move(links)}, {"routes", std::move(routes)}};
}

std::string render_network_view(const netns::ContainerNetworkView& view) {
  return network_view_json(view).dump(2) + "\n";
}

}  // namespace mr::netspec
