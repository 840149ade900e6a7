// The nftables firewall of managed networks: outbound NAT, published ports, isolation.
// Everything lives in one table of our own, `inet mini_runc`; no other table is read or
// changed and the ruleset is never flushed. Rules are fixed; what a network or a
// container adds are elements of the table's sets and maps, so a packet costs one hash
// lookup per map whether 1 or 1,000 ports are published. The rule set: firewall/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hpp"
#include "firewall/nfnl.hpp"
#include "netns/ip.hpp"

namespace mr::firewall {

enum class Protocol { tcp, udp, sctp };
std::string_view protocol_name(Protocol p);  // "tcp", as nftables names inet_proto values

// Host ports host_port .. host_port+range-1 lead to container_port .. container_port+range-1.
struct PortMapping {
  Protocol protocol = Protocol::tcp;
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  uint16_t range = 1;
  std::optional<netns::IpAddress> host_ip;  // none: every address of the host
  netns::IpAddress container_ip;            // its family picks IPv4 or IPv6 NAT
  auto operator<=>(const PortMapping&) const = default;
};

// One managed network on this host.
struct NetworkRules {
  std::string network_id;  // short id, for messages
  std::string bridge;      // its bridge's name
  std::vector<netns::IpPrefix> subnets;
  bool internal = false;   // no NAT, nothing forwarded in or out
  auto operator<=>(const NetworkRules&) const = default;
};

struct ContainerRules {
  NetworkRules network;
  std::string container;  // its id, named when it holds a port another asks for
  std::vector<PortMapping> ports;
  auto operator<=>(const ContainerRules&) const = default;
};

// What nftables would refuse or misread, told in one line with a JSON pointer into
// encode()'s form ("/ports/0/hostPort: ..."): names, families, port ranges.
Result<void> validate(const ContainerRules& rules);

// One line (no '\n') for the journal, and back.
std::string encode(const ContainerRules& rules);
Result<ContainerRules> decode(std::string_view line);

namespace ruleset {
struct Element;
struct ListedElement;
}

// The firewall of the network namespace the calling thread is in when open() is called:
// its netfilter netlink socket is made there and stays there. Changes and look-ups are
// nf_tables messages built with libnftnl; only read_table() loads libnftables.
class Firewall {
 public:
  static Result<Firewall> open();

  // One nftables transaction: the table, its chains and rules (made again as they
  // should be), the network's elements and the container's ports. A host port that is
  // already published makes the kernel refuse the whole transaction, and the holder is
  // named. The container's own ports, added before, are kept (a rebuild).
  Result<void> add_container(const ContainerRules& rules);
  // One transaction that takes out the container's ports (those it still holds: a
  // missing one is no error), and with `last_on_network` the network's elements too.
  Result<void> remove_container(const ContainerRules& rules, bool last_on_network);
  // Deletes the table once no network has elements in it (a missing table is no error).
  Result<void> drop_table_if_unused();
  // The container publishing host port `port`/`protocol` on `host_ip` or on every
  // address (both families when `host_ip` is none). One NFT_MSG_GETSETELEM per map
  // asked: a hash lookup in the kernel, whatever the number of ports published.
  Result<std::optional<std::string>> port_holder(Protocol protocol, uint16_t port,
                                                 const std::optional<netns::IpAddress>& host_ip);
  // Base chains of other tables that drop forwarded packets by policy (a Docker-style
  // `ip filter FORWARD` with policy drop), as "ip filter FORWARD": a drop there is final
  // whatever our table accepts, so containers' traffic through the host stops there.
  Result<std::vector<std::string>> forward_dropping_chains();
  // Our table as nftables lists it ({"nftables": [...]}, without the metainfo object
  // and the handles), or nothing when there is no table. For tests and tools: it loads
  // libnftables, in the network namespace of the calling thread.
  Result<std::optional<nlohmann::json>> read_table();

 private:
  explicit Firewall(nfnl::Socket nl) : nl_(std::move(nl)) {}
  Result<std::optional<std::string>> element_comment(const ruleset::Element& e);
  Result<std::vector<ruleset::ListedElement>> list_elements(const std::string& set);
  Result<bool> set_has_elements(const std::string& set);
  Result<void> check_not_held_on_an_address(const ContainerRules& rules);
  Result<std::optional<std::string>> holder_of(const PortMapping& m, uint16_t port);
  Result<void> check_ports_free(const ContainerRules& rules);
  nfnl::Socket nl_;
};

}  // namespace mr::firewall
