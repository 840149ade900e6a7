#include "netspec/network_export.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "netns/device_export.hpp"
#include "netspec/network_spec.hpp"
#include "netspec/network_view_json.hpp"

namespace mr::netspec {

// Keys in the order written: "name" first reads better than alphabetical.
using json = nlohmann::ordered_json;

namespace {

// The kernel gives lo these by itself when it comes up.
bool is_loopback_default(const netns::AddressInfo& a) {
  auto text = a.prefix.to_string();
  return text == "127.0.0.1/8" || text == "::1/128";
}

// A device of the netns model (netns::export_device()) as the spec writes it.
json device_json(const netns::DeviceConfig& d) {
  json out{{"name", d.name}};
  if (auto* m = std::get_if<netns::MoveDevice>(&d.kind)) {
    out["move"] = m->host_name;
  } else if (auto* v = std::get_if<netns::VethDevice>(&d.kind)) {
    json veth{{"hostName", v->host_name}};
    if (v->bridge) veth["bridge"] = *v->bridge;
    if (!v->host_addresses.empty()) {
      veth["hostAddresses"] = json::array();
      for (const auto& a : v->host_addresses) veth["hostAddresses"].push_back(a.to_string());
    }
    out["veth"] = std::move(veth);
  } else if (auto* mv = std::get_if<netns::MacvlanDevice>(&d.kind)) {
    out["macvlan"] = json{{"parent", mv->parent}, {"mode", netns::to_string(mv->mode)}};
  } else if (auto* n = std::get_if<netns::NetworkDevice>(&d.kind)) {
    out["network"] = n->network;
    if (!n->aliases.empty()) out["aliases"] = n->aliases;
  }
  if (!d.addresses.empty()) {
    out["addresses"] = json::array();
    for (const auto& a : d.addresses) out["addresses"].push_back(a.to_string());
  }
  if (d.mtu) out["mtu"] = *d.mtu;
  if (d.mac) out["mac"] = d.mac->to_string();
  out["up"] = d.up;
  return out;
}

class Exporter {
 public:
  Exporter(const netns::ContainerNetworkView& view, const ContainerEtc& etc) : view_(view), etc_(etc) {}

  ExportedSpec run() {
    json spec{{"version", kNetworkSpecVersion}};
    json devices = json::array();
    for (const auto& l : view_.links) {
      if (l.link.name == "lo") {
        spec["loopback"] = json{{"up", l.link.up()}};
        for (const auto& a : l.addresses)
          if (!is_loopback_default(a) && netns::is_configured(a)) note("address " + a.prefix.to_string() + " on lo");
        continue;
      }
      if (auto d = device(l); !d.is_null()) {
        devices.push_back(std::move(d));
        exported_.insert(l.link.index);
      }
    }
    json routes = json::array();
    for (const auto& r : view_.routes)
      if (auto route = route_json(r); !route.is_null()) routes.push_back(std::move(route));
    if (!devices.empty()) spec["devices"] = std::move(devices);
    if (!routes.empty()) spec["routes"] = std::move(routes);
    if (!ports_.empty()) spec["ports"] = std::move(ports_);
    if (etc_.dns) spec["dns"] = dns_json(*etc_.dns);
    if (!etc_.hosts.empty()) spec["hosts"] = hosts_json(etc_.hosts);
    out_.json = spec.dump(2) + "\n";
    return std::move(out_);
  }

 private:
  void note(std::string what) { out_.left_out.push_back(std::move(what)); }

  json device(const netns::ShownLink& l) {
    auto exported = netns::export_device(l);
    if (!exported.device) {
      note(std::move(exported.left_out));
      return nullptr;
    }
    // Published ports are the spec's, on its first managed network.
    if (auto* n = std::get_if<netns::NetworkDevice>(&exported.device->kind); n && ports_.empty())
      for (const auto& p : n->ports) ports_.push_back(published_port_json(p));
    return device_json(*exported.device);
  }

  static json dns_json(const DnsConfig& dns) {
    json out = json::object();
    auto list = [&](const char* key, const auto& values, auto text) {
      if (values.empty()) return;
      out[key] = json::array();
      for (const auto& v : values) out[key].push_back(text(v));
    };
    list("nameservers", dns.nameservers, [](const netns::IpAddress& a) { return a.to_string(); });
    list("search", dns.search, [](const std::string& s) { return s; });
    list("options", dns.options, [](const std::string& s) { return s; });
    return out;
  }

  static json hosts_json(const std::vector<HostEntry>& hosts) {
    json out = json::array();
    for (const auto& h : hosts) out.push_back(json{{"address", h.address.to_string()}, {"names", h.names}});
    return out;
  }

  const netns::ShownLink* link(int index) const {
    for (const auto& l : view_.links)
      if (l.link.index == index) return &l;
    return nullptr;
  }

  json route_json(const netns::Route& r) {
    // What the kernel made: prefix routes of addresses, fe80::/64, router advertisements.
    if (r.protocol == RTPROT_KERNEL || r.protocol == RTPROT_RA) return nullptr;
    if (r.family() == AF_INET6 && r.destination.address.is_ipv6_link_local()) return nullptr;
    std::string what = "route " + netns::to_string(r);
    if (r.type != RTN_UNICAST) {
      note(what + ": a spec has only unicast routes");
      return nullptr;
    }
    const netns::ShownLink* dev = r.oif ? link(r.oif) : nullptr;
    if (!dev || !exported_.contains(dev->link.index)) {
      note(what + ": its device is not exported");
      return nullptr;
    }
    json route{{"to", route_to_text(r)}};
    if (r.gateway) route["via"] = r.gateway->to_string();
    route["device"] = dev->link.name;
    if (r.onlink) route["onlink"] = true;
    if (r.metric) route["metric"] = r.metric;
    if (r.source) note(what + ": exported without its preferred source " + r.source->to_string());
    return route;
  }

  const netns::ContainerNetworkView& view_;
  const ContainerEtc& etc_;
  std::set<int> exported_;
  ExportedSpec out_;
  json ports_ = json::array();
};

}  // namespace

ExportedSpec export_network_spec(const netns::ContainerNetworkView& view, const ContainerEtc& etc) {
  return Exporter(view, etc).run();
}

}  // namespace mr::netspec
