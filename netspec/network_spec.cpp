#include "netspec/network_spec.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "oci/json_input.hpp"
#include "netspec/origin.hpp"
#include "oci/schema.hpp"
#include "oci/sysctl_name.hpp"

namespace mr::netspec {

using nlohmann::json;

namespace {

// Reads the spec into the model. Values of the wrong JSON type are skipped here: the
// schema has already reported them, and reporting twice would only add noise.
class SpecReader {
 public:
  SpecReader(const std::string& file, std::vector<Error>& problems) : file_(file), problems_(problems) {}

  NetworkSpec read(const json& doc) {
    NetworkSpec spec;
    spec.source = file_;
    if (const json* lo = member(doc, "loopback"); lo && lo->is_object())
      if (const json* up = member(*lo, "up"); up && up->is_boolean()) spec.net.loopback_up = up->get<bool>();
    if (const json* devices = member(doc, "devices"); devices && devices->is_array())
      for (size_t i = 0; i < devices->size(); ++i)
        if ((*devices)[i].is_object())
          if (auto d = read_device((*devices)[i], oci::pointer_append("/devices", i))) spec.net.devices.push_back(std::move(*d));
    if (const json* routes = member(doc, "routes"); routes && routes->is_array())
      for (size_t i = 0; i < routes->size(); ++i)
        if ((*routes)[i].is_object())
          if (auto r = read_route((*routes)[i], oci::pointer_append("/routes", i))) spec.net.routes.push_back(std::move(*r));
    spec.net.sysctl_origin = make_origin(file_, "/sysctl");
    if (const json* sysctl = member(doc, "sysctl"); sysctl && sysctl->is_object())
      for (const auto& [key, value] : sysctl->items()) {
        std::string ptr = oci::pointer_append("/sysctl", key);
        if (!oci::is_valid_sysctl_name(key))
          problem(ptr, "expected a sysctl name such as net.ipv4.ip_forward");
        else if (!key.starts_with("net."))
          problem(ptr, "only net.* sysctls belong in a network spec (got \"" + key + "\")");
        else if (value.is_string())
          spec.net.sysctls.emplace_back(key, value.get<std::string>());
      }
    if (const json* dns = member(doc, "dns"); dns && dns->is_object()) spec.dns = read_dns(*dns);
    if (const json* hosts = member(doc, "hosts"); hosts && hosts->is_array())
      for (size_t i = 0; i < hosts->size(); ++i) read_host((*hosts)[i], oci::pointer_append("/hosts", i), spec.hosts);
    if (const json* ports = member(doc, "ports"); ports && ports->is_array() && !ports->empty()) read_ports(*ports, spec);
    return spec;
  }

 private:
  static const json* member(const json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  static std::optional<std::string> string_member(const json& obj, const char* key) {
    const json* v = member(obj, key);
    if (!v || !v->is_string()) return std::nullopt;
    return v->get<std::string>();
  }

  void problem(std::string pointer, std::string what) {
    problems_.push_back(oci::input_error(file_, std::move(pointer), std::move(what)));
  }

  // A device name the user gives: the kernel's rules, and no "%d" template (that is
  // linux.netDevices' business; here it would make routes name an unknown device).
  bool check_name(const std::string& name, const std::string& ptr) {
    if (auto r = netns::check_ifname(name); !r) {
      problem(ptr, r.error().context);
      return false;
    }
    if (name.find('%') != std::string::npos) {
      problem(ptr, "interface name \"" + name + "\" contains '%'");
      return false;
    }
    return true;
  }

  std::vector<netns::IpPrefix> read_prefixes(const json& list, const std::string& ptr) {
    std::vector<netns::IpPrefix> out;
    if (!list.is_array()) return out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) continue;
      auto text = list[i].get<std::string>();
      auto p = netns::IpPrefix::parse(text);
      if (!p)
        problem(oci::pointer_append(ptr, i), "expected an address with prefix length such as 192.0.2.10/24 or "
                                        "2001:db8::10/64 (got \"" + text + "\")");
      else
        out.push_back(*p);
    }
    return out;
  }

  static bool is_dns_name(const std::string& name) {
    if (name.empty() || name.size() > 253 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  }

  std::vector<netns::IpAddress> read_addresses(const json& list, const std::string& ptr) {
    std::vector<netns::IpAddress> out;
    if (!list.is_array()) return out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) continue;
      auto text = list[i].get<std::string>();
      auto a = netns::IpAddress::parse(text);
      if (!a)
        problem(oci::pointer_append(ptr, i), "expected an address without prefix length such as 10.89.1.5 (the "
                                             "network's subnet gives the length; got \"" + text + "\")");
      else
        out.push_back(*a);
    }
    return out;
  }

  std::optional<netns::DeviceConfig> read_device(const json& j, const std::string& ptr) {
    netns::DeviceConfig d;
    d.origin = make_origin(file_, ptr);
    bool ok = true;
    if (auto name = string_member(j, "name")) {
      d.name = *name;
      ok &= check_name(d.name, ptr + "/name");
    } else {
      ok = false;  // the schema reported it
    }
    int kinds = 0;
    for (const char* k : {"move", "veth", "macvlan", "network"}) kinds += j.contains(k) ? 1 : 0;
    if (kinds != 1) {
      problem(ptr, "expected exactly one of \"move\", \"veth\", \"macvlan\" or \"network\" (got " +
                       std::to_string(kinds) + ")");
      ok = false;
    }
    if (j.contains("keepAddresses") && !j.contains("move"))
      problem(ptr + "/keepAddresses", "keepAddresses applies only to a moved device"), ok = false;
    if (auto host = string_member(j, "move")) {
      netns::MoveDevice m;
      m.host_name = *host;
      ok &= check_name(m.host_name, ptr + "/move");
      if (const json* keep = member(j, "keepAddresses"); keep && keep->is_boolean())
        m.keep_addresses = keep->get<bool>() ? netns::KeepAddresses::all : netns::KeepAddresses::none;
      d.kind = m;
    } else if (const json* v = member(j, "veth"); v && v->is_object()) {
      netns::VethDevice veth;
      if (auto host = string_member(*v, "hostName")) {
        veth.host_name = *host;
        ok &= check_name(veth.host_name, ptr + "/veth/hostName");
      }
      if (auto bridge = string_member(*v, "bridge")) {
        veth.bridge = *bridge;
        ok &= check_name(*bridge, ptr + "/veth/bridge");
      }
      if (const json* ha = member(*v, "hostAddresses")) veth.host_addresses = read_prefixes(*ha, ptr + "/veth/hostAddresses");
      d.kind = veth;
    } else if (const json* mv = member(j, "macvlan"); mv && mv->is_object()) {
      netns::MacvlanDevice macvlan;
      if (auto parent = string_member(*mv, "parent")) {
        macvlan.parent = *parent;
        ok &= check_name(macvlan.parent, ptr + "/macvlan/parent");
      }
      if (auto mode = string_member(*mv, "mode")) {
        if (auto m = netns::parse_macvlan_mode(*mode))
          macvlan.mode = *m;
        else
          problem(ptr + "/macvlan/mode", "expected a macvlan mode: private, vepa, bridge, passthru or source (got \"" +
                                             *mode + "\")"), ok = false;
      }
      d.kind = macvlan;
    } else if (auto network = string_member(j, "network")) {
      netns::NetworkDevice joins{.network = *network};
      // The network's subnets give the prefix length; an address here only picks one.
      if (const json* a = member(j, "addresses")) joins.requested = read_addresses(*a, ptr + "/addresses");
      if (const json* names = member(j, "aliases"); names && names->is_array())
        for (size_t i = 0; i < names->size(); ++i) {
          if (!(*names)[i].is_string()) continue;
          auto name = (*names)[i].get<std::string>();
          if (is_dns_name(name))
            joins.aliases.push_back(name);
          else
            problem(oci::pointer_append(ptr + "/aliases", i),
                    "expected a DNS name: letters, digits, '-', '_' and '.', starting with a letter or digit, at "
                    "most 253 characters (got \"" + name + "\")"), ok = false;
        }
      d.kind = joins;
    }
    if (j.contains("aliases") && !j.contains("network"))
      problem(ptr + "/aliases", "aliases apply only to a device on a network"), ok = false;
    if (const json* a = member(j, "addresses"); a && !j.contains("network"))
      d.addresses = read_prefixes(*a, ptr + "/addresses");
    if (const json* mtu = member(j, "mtu"); mtu && mtu->is_number_integer()) {
      // 68 is the IPv4 minimum (RFC 791); above 65535 no link type goes.
      if (mtu->is_number_unsigned() && mtu->get<uint64_t>() >= 68 && mtu->get<uint64_t>() <= 65535)
        d.mtu = mtu->get<uint32_t>();
      else
        problem(ptr + "/mtu", "expected an MTU from 68 to 65535 (got " + oci::brief(*mtu) + ")"), ok = false;
    }
    if (auto mac = string_member(j, "mac")) {
      auto m = netns::MacAddress::parse(*mac);
      if (!m)
        problem(ptr + "/mac", "expected a MAC address such as 02:00:00:00:00:01 (got \"" + *mac + "\")"), ok = false;
      else if (m->is_multicast() || *m == netns::MacAddress{})
        problem(ptr + "/mac", "expected a unicast, non-zero MAC address (got \"" + *mac + "\")"), ok = false;
      else
        d.mac = *m;
    }
    if (const json* up = member(j, "up"); up && up->is_boolean()) d.up = up->get<bool>();
    if (!ok) return std::nullopt;
    return d;
  }

  // Published ports lead to the container's address on its first managed network, as
  // podman's do.
  void read_ports(const json& ports, NetworkSpec& spec) {
    netns::NetworkDevice* first = nullptr;
    for (auto& d : spec.net.devices)
      if (!first) first = std::get_if<netns::NetworkDevice>(&d.kind);
    if (!first) return problem("/ports", "published ports need a device on a managed network ({\"network\": NAME})");
    for (size_t i = 0; i < ports.size(); ++i) {
      const json& p = ports[i];
      std::string ptr = oci::pointer_append("/ports", i);
      if (!p.is_object()) continue;
      netns::FilterPort port;
      auto number = [&](const char* key, uint16_t& out, bool required) {
        const json* v = member(p, key);
        if (!v) return !required;
        if (v->is_number_unsigned() && v->get<uint64_t>() >= 1 && v->get<uint64_t>() <= 65535) {
          out = v->get<uint16_t>();
          return true;
        }
        problem(ptr + "/" + key, "expected a number from 1 to 65535 (got " + oci::brief(*v) + ")");
        return false;
      };
      // Each is read, so that every bad number is told, not only the first.
      const bool host_ok = number("hostPort", port.host_port, true);
      const bool container_ok = number("containerPort", port.container_port, true);
      const bool range_ok = number("range", port.range, false);
      bool ok = host_ok && container_ok && range_ok;
      std::string proto = string_member(p, "protocol").value_or("tcp");
      port.protocol = proto == "udp" ? 17 : proto == "sctp" ? 132 : 6;
      if (auto ip = string_member(p, "hostIp")) {
        if (auto a = netns::IpAddress::parse(*ip))
          port.host_ip = *a;
        else
          problem(ptr + "/hostIp", "expected an IPv4 or IPv6 address (got \"" + *ip + "\")"), ok = false;
      }
      if (ok && (port.host_port + port.range - 1 > 65535 || port.container_port + port.range - 1 > 65535))
        problem(ptr + "/range", "expected a range that ends at port 65535 at the latest"), ok = false;
      if (ok) first->ports.push_back(port);
    }
  }

  std::optional<netns::RouteConfig> read_route(const json& j, const std::string& ptr) {
    netns::RouteConfig r;
    r.origin = make_origin(file_, ptr);
    bool ok = true;
    if (auto via = string_member(j, "via")) {
      if (auto a = netns::IpAddress::parse(*via))
        r.via = *a;
      else
        problem(ptr + "/via", "expected an IPv4 or IPv6 address (got \"" + *via + "\")"), ok = false;
    }
    if (auto to = string_member(j, "to")) {
      if (*to == "default") {
        // The family of "default" is the gateway's; without one it is IPv4 ("::/0" says IPv6).
        r.to.address.family = r.via ? r.via->family : AF_INET;
      } else if (auto p = netns::IpPrefix::parse(*to)) {
        r.to = *p;
        if (p->network() != *p)
          problem(ptr + "/to", "expected a network address: \"" + *to + "\" has host bits set (did you mean \"" +
                                   p->network().to_string() + "\"?)"), ok = false;
      } else {
        problem(ptr + "/to", "expected \"default\" or a prefix such as 10.0.0.0/8 (got \"" + *to + "\")"), ok = false;
      }
    } else {
      ok = false;
    }
    if (auto dev = string_member(j, "device")) {
      r.device = *dev;
      ok &= check_name(*dev, ptr + "/device");
    }
    if (const json* onlink = member(j, "onlink"); onlink && onlink->is_boolean()) r.onlink = onlink->get<bool>();
    if (const json* metric = member(j, "metric"); metric && metric->is_number_integer()) {
      if (metric->is_number_unsigned() && metric->get<uint64_t>() <= UINT32_MAX)
        r.metric = metric->get<uint32_t>();
      else
        problem(ptr + "/metric", "expected a metric from 0 to 4294967295 (got " + oci::brief(*metric) + ")"), ok = false;
    }
    if (!j.contains("via") && !j.contains("device")) problem(ptr, "expected \"via\" (a gateway) or \"device\" (on-link), or both"), ok = false;
    if (r.onlink && !r.via) problem(ptr + "/onlink", "onlink needs a gateway (\"via\")"), ok = false;
    if (ok && r.via && r.via->family != r.to.family())
      problem(ptr + "/via", "gateway " + r.via->to_string() + " is not of the same IP family as \"" +
                                (r.to.length == 0 ? std::string("default") : r.to.to_string()) + "\""), ok = false;
    if (!ok) return std::nullopt;
    return r;
  }

  DnsConfig read_dns(const json& j) {
    DnsConfig dns;
    if (const json* ns = member(j, "nameservers"); ns && ns->is_array())
      for (size_t i = 0; i < ns->size(); ++i) {
        if (!(*ns)[i].is_string()) continue;
        auto text = (*ns)[i].get<std::string>();
        if (auto a = netns::IpAddress::parse(text))
          dns.nameservers.push_back(*a);
        else
          problem(oci::pointer_append("/dns/nameservers", i), "expected an IPv4 or IPv6 address (got \"" + text + "\")");
      }
    auto words = [&](const char* key, std::vector<std::string>& into) {
      const json* list = member(j, key);
      if (!list || !list->is_array()) return;
      for (size_t i = 0; i < list->size(); ++i) {
        if (!(*list)[i].is_string()) continue;
        auto text = (*list)[i].get<std::string>();
        if (text.empty() || text.size() > 253 ||
            text.find_first_of(" \t\r\n\v\f#;") != std::string::npos)
          problem(oci::pointer_append(oci::pointer_append("/dns", key), i),
                  "expected one word of at most 253 bytes without whitespace, '#' or ';' (got " + oci::brief((*list)[i]) + ")");
        else
          into.push_back(text);
      }
    };
    words("search", dns.search);
    words("options", dns.options);
    return dns;
  }

  void read_host(const json& j, const std::string& ptr, std::vector<HostEntry>& into) {
    if (!j.is_object()) return;
    HostEntry entry;
    bool ok = true;
    if (auto addr = string_member(j, "address")) {
      if (auto a = netns::IpAddress::parse(*addr))
        entry.address = *a;
      else
        problem(ptr + "/address", "expected an IPv4 or IPv6 address (got \"" + *addr + "\")"), ok = false;
    }
    if (const json* names = member(j, "names"); names && names->is_array())
      for (size_t i = 0; i < names->size(); ++i) {
        if (!(*names)[i].is_string()) continue;
        auto name = (*names)[i].get<std::string>();
        if (name.empty() || name.find_first_of(" \t\r\n\v\f#") != std::string::npos)
          problem(oci::pointer_append(ptr + "/names", i), "expected a host name without whitespace or '#' (got " +
                                                         oci::brief((*names)[i]) + ")"), ok = false;
        else
          entry.names.push_back(name);
      }
    if (ok) into.push_back(std::move(entry));
  }

  const std::string& file_;
  std::vector<Error>& problems_;
};

}  // namespace

SpecCheck check_network_spec(std::string_view text, const std::string& file) {
  SpecCheck out;
  auto doc = oci::parse_json(text, file);
  if (!doc) {
    out.problems.push_back(std::move(doc).error());
    return out;
  }
  if (!doc->is_object()) {
    out.problems.push_back(oci::input_error(file, "", "expected a JSON object with \"version\": 1"));
    return out;
  }
  auto schema = oci::network_spec_schema(*doc);
  if (!schema) {
    out.problems.push_back(schema.error());
    return out;
  }
  out.problems = schema->validate(*doc, file);
  const size_t from_schema = out.problems.size();
  SpecReader reader(file, out.problems);
  NetworkSpec spec = reader.read(*doc);
  for (auto& e : check_net_config(spec.net)) out.problems.push_back(std::move(e));
  oci::drop_schema_repeats(out.problems, from_schema);
  (out.problems.empty() ? out.spec : out.partial) = std::move(spec);
  return out;
}

Result<NetworkSpec> parse_network_spec(std::string_view text, const std::string& file) {
  auto check = check_network_spec(text, file);
  if (!check.problems.empty()) return std::unexpected(std::move(check.problems.front()));
  return std::move(*check.spec);
}

std::string render_resolv_conf(const DnsConfig& dns) {
  std::string out = "# written by mini-runc from the network spec\n";
  for (const auto& ns : dns.nameservers) out += "nameserver " + ns.to_string() + "\n";
  if (!dns.search.empty()) {
    out += "search";
    for (const auto& s : dns.search) out += " " + s;
    out += "\n";
  }
  if (!dns.options.empty()) {
    out += "options";
    for (const auto& o : dns.options) out += " " + o;
    out += "\n";
  }
  return out;
}

std::string render_hosts(const std::vector<HostEntry>& hosts) {
  std::string out = "# written by mini-runc from the network spec\n";
  for (const auto& h : hosts) {
    out += h.address.to_string();
    for (const auto& n : h.names) out += " " + n;
    out += "\n";
  }
  return out;
}

}  // namespace mr::netspec
