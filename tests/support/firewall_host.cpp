#include "support/firewall_host.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "firewall/nft.hpp"
#include "netns/sysctl.hpp"
#include "support/udp.hpp"
#include "support/wait.hpp"

namespace mr::test {

using netns::IpAddress;
using netns::IpPrefix;
using netns::run_in;

void set_bridge_netfilter(Space& host, bool on) {
  constexpr const char* kKey = "net.bridge.bridge-nf-call-iptables";
  if (!netns::read_sysctl(host.ns, kKey)) {
    MESSAGE("br_netfilter is not loaded on this machine: only its off case runs");
    return;
  }
  MUST(netns::write_sysctl(host.ns, kKey, on ? "1" : "0"));
  REQUIRE(MUST(netns::read_sysctl(host.ns, kKey)) == (on ? "1" : "0"));
}

FirewallHost::FirewallHost() : internet_(sandbox_.child()) {
  set_bridge_netfilter(host(), false);
  MUST(netns::write_sysctl(host().ns, "net.ipv4.ip_forward", "1"));
  REQUIRE(MUST(netns::read_sysctl(host().ns, "net.ipv4.ip_forward")) == "1");
  auto wan = sandbox_.veth_into(internet_, "uplink", "wan0");
  MUST(netns::add_address(host().nl, host().link("uplink").index, *IpPrefix::parse(std::string(kUplinkIp) + "/24")));
  MUST(netns::add_address(internet_.nl, wan.index, *IpPrefix::parse(std::string(kInternetIp) + "/24")));
  host().wait_oper_up("uplink");
  internet_.wait_oper_up("wan0");
}

firewall::NetworkRules FirewallHost::network(const std::string& id, const std::string& bridge,
                                             const std::string& gateway_prefix, bool internal) {
  auto br = sandbox_.bridge(bridge);
  auto gw = *IpPrefix::parse(gateway_prefix);
  MUST(netns::add_address(host().nl, br.index, gw));
  MUST(netns::write_sysctl(host().ns, "net.ipv4.conf." + bridge + ".route_localnet", "1"));
  return firewall::NetworkRules{.network_id = id, .bridge = bridge, .subnets = {gw.network()}, .internal = internal};
}

Space FirewallHost::container(const std::string& bridge, const std::string& host_end, const std::string& prefix,
                              const std::string& gateway) {
  Space c = sandbox_.child();
  auto eth = sandbox_.veth_into(c, host_end, "eth0", host().link(bridge).index);
  MUST(netns::add_address(c.nl, eth.index, *IpPrefix::parse(prefix)));
  c.wait_oper_up("eth0");
  host().wait_oper_up(host_end);
  host().wait_oper_up(bridge);
  MUST(netns::add_route(c.nl, netns::default_route(*IpAddress::parse(gateway))));
  return c;
}

void FirewallHost::internet_route_to(const std::string& subnet) {
  netns::Route r{.destination = *IpPrefix::parse(subnet), .gateway = *IpAddress::parse(kUplinkIp)};
  MUST(netns::add_route(internet_.nl, r));
}

Result<void> FirewallHost::with_firewall(const std::function<Result<void>(firewall::Firewall&)>& f) {
  return run_in(host().ns, [&]() -> Result<void> {
    auto fw = MR_TRY_VALUE(firewall::Firewall::open());
    return f(fw);
  });
}

void FirewallHost::add(const firewall::ContainerRules& r) {
  MUST(with_firewall([&](firewall::Firewall& fw) { return fw.add_container(r); }));
}

void FirewallHost::remove(const firewall::ContainerRules& r, bool last_on_network) {
  MUST(with_firewall([&](firewall::Firewall& fw) -> Result<void> {
    MR_TRY(fw.remove_container(r, last_on_network));
    return fw.drop_table_if_unused();
  }));
}

std::string FirewallHost::table() {
  std::string out;
  MUST(with_firewall([&](firewall::Firewall& fw) -> Result<void> {
    auto t = MR_TRY_VALUE(fw.read_table());
    if (t) out = t->dump();
    return {};
  }));
  return out;
}

std::string FirewallHost::nft(const std::string& command) { return nft_in(host(), command); }

std::string nft_in(Space& space, const std::string& command) {
  return MUST(run_in(space.ns, [&]() -> Result<std::string> {
    auto nft = MR_TRY_VALUE(firewall::Nft::open());
    return nft.run(command);
  }));
}

// Handles are the kernel's numbering, not content: `nft list ruleset` does not show them,
// and a table made again gets new ones.
static void drop_handles(nlohmann::json& j) {
  if (j.is_object()) j.erase("handle");
  if (j.is_structured())
    for (auto& child : j) drop_handles(child);
}

std::string ruleset_of(Space& space) {
  auto doc = nlohmann::json::parse(nft_in(space, "list ruleset"));
  auto& objects = doc["nftables"];
  objects.erase(std::remove_if(objects.begin(), objects.end(), [](const auto& o) { return o.contains("metainfo"); }),
                objects.end());
  drop_handles(objects);
  return objects.dump();
}

static sockaddr_in ipv4(const std::string& ip, uint16_t port) {
  socklen_t len = 0;
  auto ss = socket_address(*IpAddress::parse(ip), port, len);
  return *reinterpret_cast<sockaddr_in*>(&ss);
}

static UniqueFd bound(Space& space, int type, uint16_t port) {
  auto fd = socket_in(space, AF_INET, type);
  int one = 1;
  REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  auto any = ipv4("0.0.0.0", port);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
  return fd;
}

UniqueFd tcp_listener(Space& space, uint16_t port) {
  auto fd = bound(space, SOCK_STREAM, port);
  REQUIRE(::listen(fd.get(), 8) == 0);
  return fd;
}

UniqueFd udp_server(Space& space, uint16_t port) { return bound(space, SOCK_DGRAM, port); }

std::optional<std::string> tcp_peer(Space& from, const std::string& to, uint16_t port, const UniqueFd& server,
                                    int wait_ms) {
  auto client = socket_in(from, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  auto dst = ipv4(to, port);
  int rc = ::connect(client.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  REQUIRE((rc == 0 || errno == EINPROGRESS));
  // The listener becomes readable once the handshake completed through every NAT.
  if (!wait_ready(server.get(), POLLIN, wait_ms)) return std::nullopt;
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  UniqueFd conn(::accept4(server.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
  REQUIRE(conn);
  return address_of(peer).to_string();
}

std::string udp_exchange(Space& from, const std::string& to, uint16_t port, const UniqueFd& server) {
  auto client = socket_in(from, AF_INET, SOCK_DGRAM);
  auto dst = ipv4(to, port);
  // Connected: only an answer from `to`:`port` (the reply un-NATed) is received.
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0);
  const char ask[] = "ask";
  REQUIRE(::send(client.get(), ask, sizeof ask, 0) == static_cast<ssize_t>(sizeof ask));
  REQUIRE_MESSAGE(wait_ready(server.get(), POLLIN, kTimeoutMs), "no datagram reached the server");
  char buf[16] = {};
  sockaddr_storage src{};
  socklen_t len = sizeof src;
  REQUIRE(::recvfrom(server.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &len) ==
          static_cast<ssize_t>(sizeof ask));
  const char answer[] = "answer";
  REQUIRE(::sendto(server.get(), answer, sizeof answer, 0, reinterpret_cast<sockaddr*>(&src), len) ==
          static_cast<ssize_t>(sizeof answer));
  REQUIRE_MESSAGE(wait_ready(client.get(), POLLIN, kTimeoutMs), "the answer did not come back");
  REQUIRE(::recv(client.get(), buf, sizeof buf, 0) == static_cast<ssize_t>(sizeof answer));
  CHECK(std::string(buf) == answer);
  return address_of(src).to_string();
}

firewall::PortMapping tcp_port(uint16_t host, uint16_t container, const std::string& container_ip, uint16_t range) {
  return firewall::PortMapping{.protocol = firewall::Protocol::tcp,
                               .host_port = host,
                               .container_port = container,
                               .range = range,
                               .container_ip = *IpAddress::parse(container_ip)};
}

}  // namespace mr::test
