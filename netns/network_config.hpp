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

#include "netns/ip.hpp"
#include "netns/link.hpp"

namespace mr::netns {

// Which of its host addresses a moved device gets back in the container: the move
// flushes them all (the kernel's NETDEV_UNREGISTER path).
enum class KeepAddresses : uint8_t {
  none,  // our spec's default: only the spec's addresses
  // our spec's keepAddresses: every address teardown would give back on the host
  // (capture_addresses())
  all,
  // linux.netDevices: the permanent global ones (is_permanent_global()), as the
  // runtime-spec says
  permanent_global,
};

// Move a host device into the container (the 2006 RFC's "make a device visible").
struct MoveDevice {
  std::string host_name;
  KeepAddresses keep_addresses = KeepAddresses::none;
  // Give it back to the host, under its original name with its original addresses, MTU
  // and up/down state, at teardown. false for linux.netDevices, whose devices the
  // runtime-spec leaves alone at deletion.
  bool return_on_teardown = true;
};

// Expose a host device without taking it away: a macvlan child of it in the container.
struct MacvlanDevice {
  std::string parent;  // host device name
  MacvlanMode mode = MacvlanMode::bridge;
};

// A veth pair, one end in the container and the other on the host.
struct VethDevice {
  std::string host_name;                 // "" = derived from the container id
  std::optional<std::string> bridge;     // host bridge to attach the host end to
  std::vector<IpPrefix> host_addresses;  // addresses of the host end
};

struct DeviceConfig {
  std::string name;  // the name inside the container; may end in "%d" for netDevices
  std::variant<MoveDevice, MacvlanDevice, VethDevice> kind;
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
