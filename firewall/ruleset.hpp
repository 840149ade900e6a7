// The table `inet mini_runc`: its sets, maps, chains and fixed rules, and the elements
// a network and a container put in it, as libnftables' JSON commands and as the keys of
// `get element` (nft syntax: libnftables 1.0.6 has no JSON form of that command).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firewall/firewall.hpp"

namespace mr::firewall::ruleset {

inline constexpr const char* kFamily = "inet";
inline constexpr const char* kTable = "mini_runc";

// One element of one set or map: its JSON (for add, create and delete) and its key in
// nft syntax (for get element).
struct Element {
  std::string set;
  nlohmann::json json;      // what add and create put in: a map's [key, value]
  nlohmann::json key_json;  // what delete names: the key alone
  std::string key;
};

// The commands that make the table, its sets and maps, its chains, and the chains' rules
// as they should be (each chain flushed first, so running them again changes nothing).
std::vector<nlohmann::json> skeleton();

// The sets the network's elements go in (bridges, internal_bridges, same_bridge,
// subnets4/6, nat_subnets4/6).
std::vector<Element> network_elements(const NetworkRules& network);

// Two elements per published host port, both commented with the container's id: its
// container address in dnat4_addr/dnat6_addr and its container port in dnat4_port/
// dnat6_port (from every host address), or the same in dnat4_ip_addr... (keyed by the
// host address too). nft 1.0.6 cannot make a map with concatenated data (address .
// port) from JSON, hence two maps and two lookups.
struct PortElement {
  Element element;
  size_t mapping = 0;  // index into ContainerRules::ports
  uint16_t host_port = 0;
};
std::vector<PortElement> port_elements(const ContainerRules& rules);

// The keys under which a host port's holder is looked up (in the _addr maps): the maps
// of its family for `host_ip` and for every address; both families' every-address maps
// when `host_ip` is none.
std::vector<Element> port_keys(Protocol protocol, uint16_t port, const std::optional<netns::IpAddress>& host_ip);

// {"add": {"element": {...}}} and the like, for `verb` add or create; delete names the key.
nlohmann::json element_command(const char* verb, const Element& e);
// "get element inet mini_runc SET { KEY }"
std::string get_command(const Element& e);

}  // namespace mr::firewall::ruleset
