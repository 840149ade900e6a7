// validate(), encode() and decode(): a container's firewall rules as one journal line.
#include <nlohmann/json.hpp>

#include <set>

#include "firewall/firewall.hpp"

namespace mr::firewall {

using nlohmann::json;

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::sctp: return "sctp";
  }
  return "tcp";
}

static std::optional<Protocol> protocol_named(std::string_view name) {
  for (auto p : {Protocol::tcp, Protocol::udp, Protocol::sctp})
    if (protocol_name(p) == name) return p;
  return std::nullopt;
}

// An id goes into element comments (nft quotes them with '"', 128 bytes at most) and
// into messages.
static Result<void> check_id(const std::string& pointer, const std::string& id) {
  if (id.empty() || id.size() > 128) return fail_input(pointer, "expected 1 to 128 characters");
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
      return fail_input(pointer, "expected no quote, backslash or control character");
  return {};
}

Result<void> validate(const ContainerRules& r) {
  MR_TRY(check_id("/container", r.container));
  MR_TRY(check_id("/network/id", r.network.network_id));
  if (auto ok = netns::check_ifname(r.network.bridge); !ok)
    return fail_input("/network/bridge", "expected an interface name: " + ok.error().context);
  if (r.network.subnets.empty()) return fail_input("/network/subnets", "expected at least one subnet");
  for (size_t i = 0; i < r.network.subnets.size(); ++i) {
    const auto& s = r.network.subnets[i];
    if (s.family() != AF_INET && s.family() != AF_INET6)
      return fail_input("/network/subnets/" + std::to_string(i), "expected an IPv4 or IPv6 prefix");
  }
  // (protocol, family, host address or none, host port): two of one request may not meet.
  std::set<std::tuple<int, int, std::string, uint32_t>> taken;
  for (size_t i = 0; i < r.ports.size(); ++i) {
    const auto& m = r.ports[i];
    std::string at = "/ports/" + std::to_string(i);
    if (m.range == 0) return fail_input(at + "/range", "expected at least 1");
    if (m.host_port == 0 || m.host_port + m.range - 1 > 65535)
      return fail_input(at + "/hostPort", "expected ports 1 to 65535 for the whole range");
    if (m.container_port == 0 || m.container_port + m.range - 1 > 65535)
      return fail_input(at + "/containerPort", "expected ports 1 to 65535 for the whole range");
    int family = m.container_ip.family;
    bool inside = false;
    for (const auto& s : r.network.subnets) inside = inside || s.contains(m.container_ip);
    if ((family != AF_INET && family != AF_INET6) || !inside)
      return fail_input(at + "/containerIp", "expected an address in a subnet of network " + r.network.network_id);
    if (m.host_ip && m.host_ip->family != family)
      return fail_input(at + "/hostIp", "expected an address of the container address's family");
    for (uint32_t k = 0; k < m.range; ++k) {
      uint32_t port = m.host_port + k;
      std::string host = m.host_ip ? m.host_ip->to_string() : "";
      bool clash = taken.contains({int(m.protocol), family, host, port}) ||
                   (!host.empty() && taken.contains({int(m.protocol), family, "", port}));
      if (!clash && host.empty())
        for (const auto& t : taken)
          clash = clash || (std::get<0>(t) == int(m.protocol) && std::get<1>(t) == family && std::get<3>(t) == port);
      if (clash)
        return fail_input(at + "/hostPort", "port " + std::to_string(port) + "/" +
                                                std::string(protocol_name(m.protocol)) +
                                                " is published twice in this request");
      taken.insert({int(m.protocol), family, host, port});
    }
  }
  return {};
}

std::string encode(const ContainerRules& r) {
  json subnets = json::array();
  for (const auto& s : r.network.subnets) subnets.push_back(s.to_string());
  json ports = json::array();
  for (const auto& m : r.ports) {
    json p{{"protocol", protocol_name(m.protocol)},
           {"hostPort", m.host_port},
           {"containerPort", m.container_port},
           {"range", m.range},
           {"containerIp", m.container_ip.to_string()}};
    if (m.host_ip) p["hostIp"] = m.host_ip->to_string();
    ports.push_back(std::move(p));
  }
  json doc{{"container", r.container},
           {"network", {{"id", r.network.network_id}, {"bridge", r.network.bridge},
                        {"subnets", subnets}, {"internal", r.network.internal}}},
           {"ports", ports}};
  return doc.dump();  // one line: no indent, and '\n' in strings is escaped
}

namespace {

// Reads members of a decoded line, each error at its JSON pointer.
struct Reader {
  Result<const json*> member(const json& obj, const std::string& at, const char* name, json::value_t type) {
    auto it = obj.find(name);
    std::string here = at + "/" + name;
    if (it == obj.end()) return fail_input(here, "expected a member");
    bool ok = it->type() == type ||
              (type == json::value_t::number_unsigned && it->type() == json::value_t::number_integer &&
               it->get<int64_t>() >= 0);
    if (!ok) return fail_input(here, std::string("expected a ") + json(type).type_name());
    return &*it;
  }
  Result<std::string> text(const json& obj, const std::string& at, const char* name) {
    return (*MR_TRY_VALUE(member(obj, at, name, json::value_t::string))).get<std::string>();
  }
  Result<uint16_t> port(const json& obj, const std::string& at, const char* name) {
    auto v = (*MR_TRY_VALUE(member(obj, at, name, json::value_t::number_unsigned))).get<uint64_t>();
    if (v > 65535) return fail_input(at + "/" + name, "expected 0 to 65535");
    return static_cast<uint16_t>(v);
  }
  template <class T>
  Result<T> parsed(const std::string& text, const std::string& at) {
    auto v = T::parse(text);
    if (!v) return fail_input(at, "expected an address: " + v.error().message());
    return *v;
  }
};

}  // namespace

Result<ContainerRules> decode(std::string_view line) {
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail_input("", "expected a JSON object on one line");
  Reader rd;
  ContainerRules r;
  r.container = MR_TRY_VALUE(rd.text(doc, "", "container"));
  const json& n = *MR_TRY_VALUE(rd.member(doc, "", "network", json::value_t::object));
  r.network.network_id = MR_TRY_VALUE(rd.text(n, "/network", "id"));
  r.network.bridge = MR_TRY_VALUE(rd.text(n, "/network", "bridge"));
  r.network.internal = MR_TRY_VALUE(rd.member(n, "/network", "internal", json::value_t::boolean))->get<bool>();
  const json& subnets = *MR_TRY_VALUE(rd.member(n, "/network", "subnets", json::value_t::array));
  for (size_t i = 0; i < subnets.size(); ++i) {
    std::string at = "/network/subnets/" + std::to_string(i);
    if (!subnets[i].is_string()) return fail_input(at, "expected a string");
    r.network.subnets.push_back(MR_TRY_VALUE(rd.parsed<netns::IpPrefix>(subnets[i].get<std::string>(), at)));
  }
  const json& ports = *MR_TRY_VALUE(rd.member(doc, "", "ports", json::value_t::array));
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string at = "/ports/" + std::to_string(i);
    const json& p = ports[i];
    if (!p.is_object()) return fail_input(at, "expected an object");
    PortMapping m;
    auto proto = protocol_named(MR_TRY_VALUE(rd.text(p, at, "protocol")));
    if (!proto) return fail_input(at + "/protocol", "expected tcp, udp or sctp");
    m.protocol = *proto;
    m.host_port = MR_TRY_VALUE(rd.port(p, at, "hostPort"));
    m.container_port = MR_TRY_VALUE(rd.port(p, at, "containerPort"));
    m.range = MR_TRY_VALUE(rd.port(p, at, "range"));
    m.container_ip = MR_TRY_VALUE(rd.parsed<netns::IpAddress>(MR_TRY_VALUE(rd.text(p, at, "containerIp")), at + "/containerIp"));
    if (p.contains("hostIp"))
      m.host_ip = MR_TRY_VALUE(rd.parsed<netns::IpAddress>(MR_TRY_VALUE(rd.text(p, at, "hostIp")), at + "/hostIp"));
    r.ports.push_back(m);
  }
  MR_TRY(validate(r));
  return r;
}

}  // namespace mr::firewall
