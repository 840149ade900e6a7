// A managed network's definition (issue 17): a named bridge network whose containers
// get their addresses from its subnets. One JSON file per network in the network
// directory (netdef/network_def_file.hpp reads and writes it, netdef/network_store.hpp
// keeps the directory); the network "default" exists without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"

namespace mr::netdef {

struct Subnet {
  netns::IpPrefix subnet;                   // network address, host bits zero
  netns::IpAddress gateway;                 // inside subnet; default: first host address
  std::optional<netns::IpPrefix> ip_range;  // containers' addresses come only from here (inside subnet)
};

struct NetworkDef {
  std::string name;                         // [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 chars
  std::string id;                           // 64 lowercase hex, random at create, never changes
  std::string driver = "bridge";
  std::string bridge;                       // host bridge name (IFNAMSIZ rules); default "mr-" + first 12 of id
  bool bridge_given = false;                // --bridge: the user's bridge: used, never made or deleted
  std::vector<Subnet> subnets;              // one or two (at most one per family)
  bool internal = false;                    // no route out, no NAT
  bool dns = true;                          // --no-dns sets false
  std::optional<uint32_t> mtu;
  std::map<std::string, std::string> labels;
  std::string created;                      // RFC 3339 (base/rfc3339.hpp)
  std::string file;                         // where it was read from; "" for the built-in default
};

inline constexpr std::size_t kMaxNetworkNameLength = 64;
inline constexpr std::string_view kDefaultNetworkName = "default";
inline constexpr std::string_view kDefaultBridge = "mini-runc0";

// The name rule ([a-zA-Z0-9][a-zA-Z0-9_.-]*, 1 to 64 bytes): what is wrong, or nothing.
// A name is also a file name in the network directory, so no '/' and no leading '.'.
Result<void> check_network_name(std::string_view name);

// 64 lowercase hex digits, the same for the same name: the id of a network whose file
// gives none (the built-in default, a hand-written file).
std::string id_from_name(std::string_view name);
// 64 lowercase hex digits from getrandom(2).
Result<std::string> random_id();
// "mr-" and the first 12 digits of the id: 15 bytes, the longest name IFNAMSIZ allows.
std::string default_bridge_name(std::string_view id);
// The first host address of a subnet (the network address + 1): the default gateway.
netns::IpAddress first_host(const netns::IpPrefix& subnet);

// The network "default" as it is when no default.json replaces it: bridge mini-runc0,
// 10.89.0.0/24, gateway 10.89.0.1, DNS on, file "".
NetworkDef builtin_default_network();

// A rule the schema cannot say, broken at `pointer` (a JSON pointer into the file's
// form, "/subnets/0/gateway"); `what` says what was expected.
struct Problem {
  std::string pointer;
  std::string what;
};

// The rules on the model, which reading a file and `network create` share: the name,
// the id, the bridge name, one or two subnets and at most one per family, host bits
// zero, room for a gateway and a container, the gateway inside its subnet and not its
// network or broadcast address, the ip range inside its subnet, the MTU.
std::vector<Problem> check_network_rules(const NetworkDef& def);

}  // namespace mr::netdef
