// The table `inet mini_runc`: its sets, maps, chains and fixed rules, and the elements
// a network and a container put in it, as nf_tables messages built with libnftnl (the
// same objects and bytecode nft 1.0.6 makes of the JSON form in firewall/README.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firewall/firewall.hpp"
#include "firewall/nfnl.hpp"

namespace mr::firewall::ruleset {

inline constexpr const char* kFamilyName = "inet";
inline constexpr const char* kTable = "mini_runc";

// One element of one set or map, in the kernel's bytes.
struct Element {
  std::string set;
  std::string key;                     // the key as registers hold it (4-byte aligned parts)
  std::string data;                    // a map's value; empty in a set
  std::optional<std::string> key_end;  // an interval's end (first key past it), if bounded
  bool interval = false;               // a prefix: start element, and key_end's element
  std::string comment;                 // userdata comment (the container's id), or none
  std::string text;                    // the key in nft syntax, for messages
};

// Appends the commands that make the table, its sets and maps, its chains, and the
// chains' rules as they should be (each chain flushed first, so that running them again
// changes nothing).
void skeleton(nfnl::Batch& batch);

// The network's elements (bridges, internal_bridges, same_bridge, subnets4/6,
// nat_subnets4/6).
std::vector<Element> network_elements(const NetworkRules& network);

// Two elements per published host port, both commented with the container's id: its
// container address in dnat4_addr/dnat6_addr and its container port in dnat4_port/
// dnat6_port (from every host address), or the same in dnat4_ip_addr... (keyed by the
// host address too).
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

// NFT_MSG_NEWSETELEM (`create`: NLM_F_EXCL, a present key fails with EEXIST; else `add`)
// or NFT_MSG_DELSETELEM for `elements`, one message per run of one set, in order.
enum class Verb { add, create, remove };
void elements(nfnl::Batch& batch, Verb verb, const std::vector<Element>& elements);

// NFT_MSG_GETSETELEM for one key (a hash lookup in the kernel, no dump); and the comment
// of the element in its reply ("" when it has none).
nlmsghdr* get_request(char* buf, uint32_t seq, const Element& e);
std::string comment_of(const nlmsghdr* reply);

// NFT_MSG_GETSETELEM of a whole set (a dump); and the elements of one of its replies.
nlmsghdr* dump_request(char* buf, uint32_t seq, const std::string& set);
struct ListedElement {
  std::string key;
  std::string comment;
  bool interval_end = false;  // the end of an interval, not an element of its own
};
std::vector<ListedElement> listed_of(const nlmsghdr* reply);

// The map of host ports published on one host address of `family` (AF_INET, AF_INET6),
// keyed by the address, then the protocol and port as port_key() lays them out.
std::string host_address_port_map(int family);
// The protocol-and-port part of a port key (its last 8 bytes), with or without address.
std::string port_part(Protocol protocol, uint16_t port);

// Every set and map of the table, the network's first (a network always has a bridge).
const std::vector<std::string>& set_names();

// NFT_MSG_DELTABLE of our table.
void delete_table(nfnl::Batch& batch);

}  // namespace mr::firewall::ruleset
