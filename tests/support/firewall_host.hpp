// The stand-in world of the firewall tests: a throwaway "host" (ip_forward on), an
// "internet" namespace behind the host's uplink veth, managed bridges with their gateway
// addresses, and "containers" on them with a default route through the gateway. The
// firewall is driven inside the host namespace (libnftables acts in its caller's), and
// TCP and UDP cross it for real; waits are on sockets, never sleeps.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "firewall/firewall.hpp"
#include "support/sandbox.hpp"

// An optional text prints as itself, or as "none", when a check on it fails.
template <>
struct doctest::StringMaker<std::optional<std::string>> {
  static doctest::String convert(const std::optional<std::string>& text) {
    return text ? ("\"" + *text + "\"").c_str() : "none";
  }
};

namespace mr::test {

// The uplink: 192.0.2.1 on the host's "uplink", 192.0.2.2 on the internet's "wan0".
inline const char* kUplinkIp = "192.0.2.1";
inline const char* kInternetIp = "192.0.2.2";
// How long a connection that should not happen is given.
inline constexpr int kRefusedWaitMs = 1000;

// br_netfilter, where the machine has it loaded, passes frames crossing a bridge through
// the IP hooks too (Docker hosts have it on), and a port DNATed back to a container's own
// bridge port is then bridged, not routed: the ports must work either way. Its switch is
// per namespace (a new one starts with it on); without the module there is only "off".
void set_bridge_netfilter(Space& host, bool on);

// A host namespace with br_netfilter off (set, not assumed), forwarding on, and an
// "internet" namespace behind its uplink.
class FirewallHost {
 public:
  FirewallHost();

  Space& host() { return sandbox_.host(); }
  Space& internet() { return internet_; }
  // A bridge `name` with gateway `gateway_prefix` ("10.89.0.1/24") and route_localnet on
  // (the lead's device recipe sets it in the product), as a network of the firewall.
  firewall::NetworkRules network(const std::string& id, const std::string& bridge, const std::string& gateway_prefix,
                                 bool internal = false);
  // A container on `bridge` with address `prefix` ("10.89.0.2/24") on its eth0 and a
  // default route through `gateway`.
  Space container(const std::string& bridge, const std::string& host_end, const std::string& prefix,
                  const std::string& gateway);
  // The internet learns the way to `subnet` through the host (a return route), so that
  // without the firewall's rules a container there would be reached.
  void internet_route_to(const std::string& subnet);

  // Runs f(firewall) inside the host namespace.
  Result<void> with_firewall(const std::function<Result<void>(firewall::Firewall&)>& f);
  void add(const firewall::ContainerRules& r);
  void remove(const firewall::ContainerRules& r, bool last_on_network);
  // Our table read back, "" when there is none.
  std::string table();
  // Any command for libnftables in the host namespace (the tests' own other table).
  std::string nft(const std::string& command);

 private:
  Sandbox sandbox_;
  Space internet_;
};

// Any command for libnftables run in `space` (JSON output), and what it printed.
std::string nft_in(Space& space, const std::string& command);
// The whole ruleset of `space` as `nft list ruleset` shows it: JSON, without its
// metainfo object and the handles.
std::string ruleset_of(Space& space);

// A TCP listener made in `space` on every address, port `port` (IPv4).
UniqueFd tcp_listener(Space& space, uint16_t port);
// Connects from `from` to `to`:`port` and returns the client address the listener
// `server` accepted, or none if nothing was accepted within `wait_ms`.
std::optional<std::string> tcp_peer(Space& from, const std::string& to, uint16_t port, const UniqueFd& server,
                                     int wait_ms);
// One UDP datagram from `from` to `to`:`port`, received by `server` (a UDP socket bound in
// the container) and answered; returns the sender address the server saw, after checking
// that the answer came back to the client from `to`:`port`.
std::string udp_exchange(Space& from, const std::string& to, uint16_t port, const UniqueFd& server);
UniqueFd udp_server(Space& space, uint16_t port);

firewall::PortMapping tcp_port(uint16_t host, uint16_t container, const std::string& container_ip, uint16_t range = 1);

}  // namespace mr::test
