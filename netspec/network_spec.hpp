// The network spec: mini-runc's versioned JSON description of a container's network
// (netspec/NETWORK-SPEC.md, schema oci/schema/network-spec.schema.json), read into the
// netns model plus the DNS and hosts entries for the container's /etc files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/network_config.hpp"

namespace mr::netspec {


inline constexpr int kNetworkSpecVersion = 1;

struct DnsConfig {
  std::vector<netns::IpAddress> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

struct HostEntry {
  netns::IpAddress address;
  std::vector<std::string> names;
};

struct NetworkSpec {
  std::string source;  // the file (or "config.json#/annotations/..." ) it was read from; "" if none
  netns::NetConfig net;
  std::optional<DnsConfig> dns;
  std::vector<HostEntry> hosts;
};

// Every problem found in one spec, not just the first.
struct SpecCheck {
  std::optional<NetworkSpec> spec;  // set when there are no problems
  std::vector<Error> problems;
  // With problems: what could still be read (the devices without a problem of their
  // own), so that validate can look those up on the host too.
  std::optional<NetworkSpec> partial;
};

// Reads `text` as the network spec named `file`: strict JSON, the schema (unknown keys
// are errors), then the rules of NETWORK-SPEC.md. Touches nothing on the host.
SpecCheck check_network_spec(std::string_view text, const std::string& file);
Result<NetworkSpec> parse_network_spec(std::string_view text, const std::string& file);

// The rules that span devices and routes (duplicate names, addresses and host devices,
// gateways outside every prefix, MTU too small for IPv6, ...), on the model, so they
// also hold after linux.netDevices are merged in. Errors name each DeviceConfig's origin.
std::vector<Error> check_net_config(const netns::NetConfig& net);

// /etc/resolv.conf and /etc/hosts content for the spec's entries.
std::string render_resolv_conf(const DnsConfig& dns);
std::string render_hosts(const std::vector<HostEntry>& hosts);

}  // namespace mr::netspec
