// The managed-network recipe: a container joins a named network (netdef/): a veth whose
// host end is a port of the network's bridge, addresses from the network's pool
// (address_pool.hpp) or asked for by the spec, and a default route through the gateway
// unless the network is internal. The first container to join makes the bridge with
// the gateway addresses (unless the user named a bridge of their own); the last to
// leave deletes it. Its create, journal record, undo, live view and export are in
// device_network.cpp; device_kind.hpp says what each of those does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/address_pool.hpp"
#include "netns/device_kind.hpp"
#include "netns/ip.hpp"
#include "netns/packet_filter.hpp"

namespace mr::netns {

// What the network service resolved of a spec's {"network": NAME}.
struct NetworkDevice {
  std::string network;     // its name, for messages and `net export`
  std::string network_id;  // keys its pool on the host
  std::string bridge;
  bool bridge_given = false;  // the user's own bridge: used, never made or deleted
  std::vector<PoolSubnet> subnets;
  std::vector<IpAddress> requested;  // static addresses, one per subnet at most
  std::vector<std::string> aliases;  // more names for it in the network's DNS
  bool internal = false;             // no default route
  bool dns = false;                  // its members are named in the network's DNS
  std::optional<uint32_t> mtu;       // the bridge's, when the network sets one
  std::string pool_dir;              // "" = pool_dir_of(host, network_id)
  // Published ports (the spec's top-level "ports", on its first managed network); each
  // leads to the container's address of every family its host address allows.
  std::vector<FilterPort> ports;
};

// Leave the network: delete the veth, give back the addresses, and delete the bridge if
// this was its last container and the pool made it.
struct LeaveNetwork {
  static constexpr std::string_view kRecord = "network";
  static constexpr LinkSource kSource = LinkSource::network;
  std::string host_name;  // the veth's host end
  std::string ctr_name;
  std::string network;
  std::string pool_dir;
  std::string bridge;
  bool bridge_given = false;
  std::vector<IpAddress> addresses;  // those handed out or asked for
  FilterRules rules;                 // what the packet filter was asked for
};

MR_NETNS_DEVICE_RECIPE(NetworkDevice, LeaveNetwork);

// The step by which pool member `h` joined its network, read back from its journal
// (`network reload` asks the packet filter again for what it asked); none once the step
// is done or its journal gone: it left meanwhile.
Result<std::optional<LeaveNetwork>> joined_by(const AddressHolder& h);

}  // namespace mr::netns
