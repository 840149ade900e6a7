#include "firewall/ruleset.hpp"

#include <string_view>

namespace mr::firewall::ruleset {

using nlohmann::json;

namespace {

// The fixed part. Published ports go through the `ports` chain, jumped to for packets to
// one of the host's own addresses (fib daddr type local), from outside and from
// containers (prerouting) and from the host itself, 127.0.0.1 included (output): each
// family's map keyed by host address . protocol . port, then by protocol . port. A map
// lookup that misses ends the rule (NFT_BREAK), so the next one is tried.
// postrouting masquerades what the host sends from 127.0.0.0/8 into a bridge (its
// reply would otherwise go to the container's own loopback), DNATed traffic from a
// network's subnet back into a bridge (hairpin: the reply must come back through the
// host to be un-NATed), and a non-internal network's traffic leaving through any
// interface but a bridge of ours. forward: an internal network's bridge neither sends nor
// receives; replies pass; DNATed connections into a bridge pass; a bridge routing to
// itself passes; between two of our bridges is dropped; a network's own traffic out
// passes; anything else new into a bridge is dropped.
constexpr std::string_view kSkeleton = R"({"nftables": [
 {"add": {"table": {"family": "inet", "name": "mini_runc"}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "bridges", "type": "ifname"}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "internal_bridges", "type": "ifname"}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "same_bridge", "type": ["ifname", "ifname"]}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "subnets4", "type": "ipv4_addr", "flags": ["interval"]}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "subnets6", "type": "ipv6_addr", "flags": ["interval"]}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "nat_subnets4", "type": "ipv4_addr", "flags": ["interval"]}}},
 {"add": {"set": {"family": "inet", "table": "mini_runc", "name": "nat_subnets6", "type": "ipv6_addr", "flags": ["interval"]}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat4_addr", "type": ["inet_proto", "inet_service"], "map": "ipv4_addr"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat4_port", "type": ["inet_proto", "inet_service"], "map": "inet_service"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat4_ip_addr", "type": ["ipv4_addr", "inet_proto", "inet_service"], "map": "ipv4_addr"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat4_ip_port", "type": ["ipv4_addr", "inet_proto", "inet_service"], "map": "inet_service"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat6_addr", "type": ["inet_proto", "inet_service"], "map": "ipv6_addr"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat6_port", "type": ["inet_proto", "inet_service"], "map": "inet_service"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat6_ip_addr", "type": ["ipv6_addr", "inet_proto", "inet_service"], "map": "ipv6_addr"}}},
 {"add": {"map": {"family": "inet", "table": "mini_runc", "name": "dnat6_ip_port", "type": ["ipv6_addr", "inet_proto", "inet_service"], "map": "inet_service"}}},
 {"add": {"chain": {"family": "inet", "table": "mini_runc", "name": "ports"}}},
 {"add": {"chain": {"family": "inet", "table": "mini_runc", "name": "prerouting", "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}}},
 {"add": {"chain": {"family": "inet", "table": "mini_runc", "name": "output", "type": "nat", "hook": "output", "prio": -100, "policy": "accept"}}},
 {"add": {"chain": {"family": "inet", "table": "mini_runc", "name": "postrouting", "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}}},
 {"add": {"chain": {"family": "inet", "table": "mini_runc", "name": "forward", "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}}},
 {"flush": {"chain": {"family": "inet", "table": "mini_runc", "name": "ports"}}},
 {"flush": {"chain": {"family": "inet", "table": "mini_runc", "name": "prerouting"}}},
 {"flush": {"chain": {"family": "inet", "table": "mini_runc", "name": "output"}}},
 {"flush": {"chain": {"family": "inet", "table": "mini_runc", "name": "postrouting"}}},
 {"flush": {"chain": {"family": "inet", "table": "mini_runc", "name": "forward"}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "ports", "expr": [
   {"dnat": {"family": "ip", "addr": {"map": {"key": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat4_ip_addr"}},
             "port": {"map": {"key": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat4_ip_port"}}}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "ports", "expr": [
   {"dnat": {"family": "ip", "addr": {"map": {"key": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat4_addr"}},
             "port": {"map": {"key": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat4_port"}}}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "ports", "expr": [
   {"dnat": {"family": "ip6", "addr": {"map": {"key": {"concat": [{"payload": {"protocol": "ip6", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat6_ip_addr"}},
             "port": {"map": {"key": {"concat": [{"payload": {"protocol": "ip6", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat6_ip_port"}}}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "ports", "expr": [
   {"dnat": {"family": "ip6", "addr": {"map": {"key": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat6_addr"}},
             "port": {"map": {"key": {"concat": [{"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@dnat6_port"}}}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "prerouting", "expr": [
   {"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"jump": {"target": "ports"}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "output", "expr": [
   {"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"jump": {"target": "ports"}}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "postrouting", "expr": [
   {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "127.0.0.0", "len": 8}}}},
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"masquerade": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "postrouting", "expr": [
   {"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}},
   {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@subnets4"}},
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"masquerade": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "postrouting", "expr": [
   {"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}},
   {"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": "@subnets6"}},
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"masquerade": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "postrouting", "expr": [
   {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@nat_subnets4"}},
   {"match": {"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"masquerade": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "postrouting", "expr": [
   {"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": "@nat_subnets6"}},
   {"match": {"op": "!=", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"masquerade": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "@internal_bridges"}}, {"drop": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@internal_bridges"}}, {"drop": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}},
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"accept": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"concat": [{"meta": {"key": "iifname"}}, {"meta": {"key": "oifname"}}]}, "right": "@same_bridge"}}, {"accept": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "@bridges"}},
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"drop": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "@bridges"}}, {"accept": null}]}}},
 {"add": {"rule": {"family": "inet", "table": "mini_runc", "chain": "forward", "expr": [
   {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "@bridges"}}, {"drop": null}]}}}
]})";

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

Element set_element(std::string set, json value, std::string key) {
  json key_json = value;
  return Element{std::move(set), std::move(value), std::move(key_json), std::move(key)};
}

const char* suffix(int family) { return family == AF_INET ? "4" : "6"; }

}  // namespace

std::vector<json> skeleton() {
  static const json parsed = json::parse(kSkeleton);
  return parsed["nftables"].get<std::vector<json>>();
}

std::vector<Element> network_elements(const NetworkRules& n) {
  std::vector<Element> out;
  out.push_back(set_element("bridges", n.bridge, quoted(n.bridge)));
  out.push_back(set_element("same_bridge", json{{"concat", {n.bridge, n.bridge}}},
                            quoted(n.bridge) + " . " + quoted(n.bridge)));
  if (n.internal) out.push_back(set_element("internal_bridges", n.bridge, quoted(n.bridge)));
  for (const auto& s : n.subnets) {
    auto net = s.network();
    json prefix{{"prefix", {{"addr", net.address.to_string()}, {"len", net.length}}}};
    out.push_back(set_element(std::string("subnets") + suffix(net.family()), prefix, net.to_string()));
    if (!n.internal)
      out.push_back(set_element(std::string("nat_subnets") + suffix(net.family()), prefix, net.to_string()));
  }
  return out;
}

static std::string port_key_text(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  std::string key = std::string(protocol_name(p)) + " . " + std::to_string(port);
  return host_ip ? host_ip->to_string() + " . " + key : key;
}

static json port_key_json(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  json concat = json::array();
  if (host_ip) concat.push_back(host_ip->to_string());
  concat.push_back(std::string(protocol_name(p)));
  concat.push_back(port);
  return json{{"concat", concat}};
}

// The map of a port's container address (_addr) or container port (_port).
static std::string port_map(int family, bool by_ip, const char* what = "_addr") {
  return std::string("dnat") + suffix(family) + (by_ip ? "_ip" : "") + what;
}

std::vector<PortElement> port_elements(const ContainerRules& rules) {
  std::vector<PortElement> out;
  for (size_t i = 0; i < rules.ports.size(); ++i) {
    const auto& m = rules.ports[i];
    for (uint32_t k = 0; k < m.range; ++k) {
      auto host_port = static_cast<uint16_t>(m.host_port + k);
      auto container_port = static_cast<uint16_t>(m.container_port + k);
      json key_json = port_key_json(m.protocol, host_port, m.host_ip);
      json key{{"elem", {{"val", key_json}, {"comment", rules.container}}}};
      std::string key_text = port_key_text(m.protocol, host_port, m.host_ip);
      int family = m.container_ip.family;
      bool by_ip = m.host_ip.has_value();
      out.push_back({Element{port_map(family, by_ip, "_addr"), json::array({key, m.container_ip.to_string()}),
                             key_json, key_text},
                     i, host_port});
      out.push_back({Element{port_map(family, by_ip, "_port"), json::array({key, container_port}), key_json, key_text},
                     i, host_port});
    }
  }
  return out;
}

std::vector<Element> port_keys(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  std::vector<Element> out;
  if (host_ip)
    out.push_back(set_element(port_map(host_ip->family, true), port_key_json(p, port, host_ip),
                              port_key_text(p, port, host_ip)));
  for (int family : {AF_INET, AF_INET6})
    if (!host_ip || host_ip->family == family)
      out.push_back(set_element(port_map(family, false), port_key_json(p, port, {}), port_key_text(p, port, {})));
  return out;
}

json element_command(const char* verb, const Element& e) {
  const json& elem = std::string_view(verb) == "delete" ? e.key_json : e.json;
  return json{{verb, {{"element", {{"family", kFamily}, {"table", kTable}, {"name", e.set}, {"elem", json::array({elem})}}}}}};
}

std::string get_command(const Element& e) {
  return std::string("get element ") + kFamily + " " + kTable + " " + e.set + " { " + e.key + " }";
}

}  // namespace mr::firewall::ruleset
