// The plain network model: what a container's network namespace gets. oci/ turns the
// user's JSON (our network spec, linux.netDevices) into this; apply() turns it into
// kernel state and records how to undo it. No JSON, no OCI types here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "netns/device_macvlan.hpp"
#include "netns/device_moved.hpp"
#include "netns/device_network.hpp"
#include "netns/device_veth.hpp"
#include "netns/ip.hpp"
#include "netns/link.hpp"

namespace mr::netns {

struct DeviceConfig {
  std::string name;  // the name inside the container; may end in "%d" for netDevices
  // One device kind each (device_*.hpp): what its recipe makes.
  std::variant<MoveDevice, MacvlanDevice, VethDevice, NetworkDevice> kind;
  std::vector<IpPrefix> addresses;
  std::optional<uint32_t> mtu;
  std::optional<MacAddress> mac;
  bool up = true;
  std::string origin;  // where the user said this, for errors: "net.json#/devices/1" (at_origin())
};

struct RouteConfig {
  IpPrefix to;                    // length 0: default route of that family
  std::optional<IpAddress> via;   // gateway; none: on-link through `device`
  std::optional<std::string> device;  // container-side device name
  bool onlink = false;
  uint32_t metric = 0;
  std::string origin;
};

struct NetConfig {
  bool loopback_up = true;
  std::vector<DeviceConfig> devices;
  std::vector<RouteConfig> routes;
  std::vector<std::pair<std::string, std::string>> sysctls;  // "net.ipv4.ip_forward" -> "1"
  std::string sysctl_origin;  // where the sysctls were written ("net.json#/sysctl"): each is a member below it
};

}  // namespace mr::netns
