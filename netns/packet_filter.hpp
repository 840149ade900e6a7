// What a managed network needs of the host's packet filter (outbound NAT, published
// ports, isolation), as netns sees it: plain values, no firewall library. The filter
// itself lives outside netns (firewall/, nftables), and the process that sets networks up
// or takes them down installs it (network/ does, before any set up or undo); netns only
// records in the journal what was asked, so that undo asks to take it out again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"

namespace mr::netns {

struct FilterPort {
  uint8_t protocol = 6;  // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  uint16_t range = 1;
  std::optional<IpAddress> host_ip;  // none: every address of the host
  IpAddress container_ip;
  auto operator<=>(const FilterPort&) const = default;
};

struct FilterRules {
  std::string network_id;
  std::string bridge;
  std::vector<IpPrefix> subnets;
  bool internal = false;
  std::string container;  // its id, for "port 8080/tcp is published by container web"
  std::vector<FilterPort> ports;
  auto operator<=>(const FilterRules&) const = default;
};

class PacketFilter {
 public:
  virtual ~PacketFilter() = default;
  // All of it or nothing; a port published already is refused, naming its holder.
  virtual Result<void> add(const FilterRules& rules) = 0;
  // Idempotent; with `last_on_network` the network's own rules go too.
  virtual Result<void> remove(const FilterRules& rules, bool last_on_network) = 0;
};

// The process's filter, in the host namespace it was installed for; none until a
// caller installs one (a network set up without it is refused, not left open).
void install_packet_filter(PacketFilter* filter);
PacketFilter* packet_filter();

}  // namespace mr::netns
