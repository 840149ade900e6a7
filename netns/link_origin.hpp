// Where a container's link came from, as the journal tells it: the typed origin each
// device recipe (device_*.hpp) reads back for `net show` and `net export`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netns/address.hpp"
#include "netns/ip.hpp"
#include "netns/link.hpp"
#include "netns/packet_filter.hpp"

namespace mr::netns {

enum class LinkSource {
  container,  // not in the journal: the namespace's own (lo), or made by the workload
  moved,      // a host device lent to the container
  veth,       // a veth pair made for the container, its other end on the host
  macvlan,    // a macvlan child of a host device
  network,    // a veth on a managed network's bridge (device_network.hpp)
};

struct LinkOrigin {
  LinkSource source = LinkSource::container;
  // moved: its original host name; veth: the host end; macvlan: the parent ("" when the
  // parent is not on the host any more).
  std::string host_name;
  std::optional<std::string> bridge;     // veth: the host end's bridge
  std::vector<IpPrefix> host_addresses;  // veth: the host end's addresses (see capture_addresses())
  std::string network;                   // network: the managed network's name
  std::vector<FilterPort> ports;         // network: what it publishes (container_ip: none)
  uint64_t journal_seq = 0;              // the journal step that gives it back; 0 for container
};

struct ShownLink {
  LinkInfo link;
  std::vector<AddressInfo> addresses;  // the kernel's, in its order
  LinkOrigin origin;
};

}  // namespace mr::netns
