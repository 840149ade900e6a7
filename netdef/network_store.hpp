// The network directory: one definition file per network, DIR/NAME.json (default
// /etc/mini-runc/networks, `mini-runc --network-dir` moves it). Files are written whole
// (a temporary file renamed over), under a lock on the directory, and checked again
// each time they are read: a hand edit is found when the network is next used.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netdef/network_def.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netdef {

inline constexpr std::string_view kDefaultNetworkDir = "/etc/mini-runc/networks";
std::string default_network_dir();

// What `network create` asks for.
struct CreateRequest {
  std::string name;
  std::vector<netns::IpPrefix> subnets;     // none: a free /24 from the IPv4 pool
  std::optional<netns::IpAddress> gateway;  // for the given subnet of its family
  std::optional<netns::IpPrefix> ip_range;  // for the given subnet of its family
  bool ipv6 = false;                        // and no IPv6 subnet given: a free /64 of fd00::/8
  bool internal = false;
  std::optional<uint32_t> mtu;
  std::optional<std::string> bridge;        // the user's bridge, used and never made or deleted
  bool dns = true;
  std::map<std::string, std::string> labels;
};

class NetworkStore {
 public:
  explicit NetworkStore(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  // DIR/NAME.json.
  std::string path_of(std::string_view name) const;

  // The network `name`, read and checked; "default" is the built-in one unless
  // DIR/default.json replaces it. ENOENT when there is no such network.
  Result<NetworkDef> get(const std::string& name) const;
  // Every network, by name, "default" included; the first file that does not read
  // fails the whole list, naming the file and the JSON pointer.
  Result<std::vector<NetworkDef>> list() const;
  // Makes the directory if missing and writes DIR/NAME.json. Refused in one line, with
  // nothing written: a bad or taken name, a subnet that overlaps another network's, a
  // bridge another network has, a rule of check_network_rules(), an empty pool. The
  // routes and addresses of `host`'s namespace are read only when a subnet is picked.
  Result<NetworkDef> create(const CreateRequest& req, netns::NlSocket& host);
  // Removes DIR/NAME.json, even one that no longer reads. "default" is refused.
  Result<void> remove(const std::string& name);

 private:
  std::string dir_;
};

}  // namespace mr::netdef
