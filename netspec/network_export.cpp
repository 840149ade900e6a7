#include "netspec/network_export.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

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

// An address the user (or apply()) set, not one the kernel made: IPv6 link-local ones
// come with the link, SLAAC ones lack IFA_F_PERMANENT.
bool is_configured(const netns::AddressInfo& a) {
  if (a.prefix.address.is_ipv6_link_local()) return false;
  return a.prefix.family() == AF_INET || a.permanent();
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
          if (!is_loopback_default(a) && is_configured(a)) note("address " + a.prefix.to_string() + " on lo");
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
    if (etc_.dns) spec["dns"] = dns_json(*etc_.dns);
    if (!etc_.hosts.empty()) spec["hosts"] = hosts_json(etc_.hosts);
    out_.json = spec.dump(2) + "\n";
    return std::move(out_);
  }

 private:
  void note(std::string what) { out_.left_out.push_back(std::move(what)); }

  json device(const netns::ShownLink& l) {
    const auto& o = l.origin;
    json d{{"name", l.link.name}};
    switch (o.source) {
      case netns::LinkSource::container:
        // Made inside the container, or a device it keeps at deletion (linux.netDevices,
        // whose journal step is done at once): nothing says where it came from.
        note("link " + l.link.name + (l.link.kind.empty() ? "" : " (" + l.link.kind + ")") +
             ": no host origin in the journal, a spec cannot describe it");
        return nullptr;
      case netns::LinkSource::moved:
        d["move"] = o.host_name;
        break;
      case netns::LinkSource::veth: {
        json veth{{"hostName", o.host_name}};
        if (o.bridge) veth["bridge"] = *o.bridge;
        if (!o.host_addresses.empty()) {
          veth["hostAddresses"] = json::array();
          for (const auto& a : o.host_addresses) veth["hostAddresses"].push_back(a.to_string());
        }
        d["veth"] = std::move(veth);
        break;
      }
      case netns::LinkSource::macvlan:
        if (o.host_name.empty()) {
          note("link " + l.link.name + ": macvlan whose parent is not on the host");
          return nullptr;
        }
        d["macvlan"] = json{{"parent", o.host_name},
                            {"mode", netns::to_string(static_cast<netns::MacvlanMode>(l.link.macvlan_mode))}};
        break;
    }
    json addresses = json::array();
    for (const auto& a : l.addresses)
      if (is_configured(a)) addresses.push_back(a.prefix.to_string());
    if (!addresses.empty()) d["addresses"] = std::move(addresses);
    d["mtu"] = l.link.mtu;
    // A veth's or macvlan's MAC is random unless the spec set it (see the header).
    if (l.link.mac && o.source == netns::LinkSource::moved) d["mac"] = l.link.mac->to_string();
    d["up"] = l.link.up();
    return d;
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
};

}  // namespace

ExportedSpec export_network_spec(const netns::ContainerNetworkView& view, const ContainerEtc& etc) {
  return Exporter(view, etc).run();
}

}  // namespace mr::netspec
