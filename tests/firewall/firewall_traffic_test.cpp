// Real connections through the firewall's rules: outbound NAT, published ports from the
// internet, the host's loopback and other containers, port ranges, isolation. Where a
// connection must not happen, the same connection is first shown to happen without our
// rules (the routes are there), so that only the rules can have stopped it.
#include <doctest/doctest.h>
#include <poll.h>

#include "support/firewall_host.hpp"
#include "support/udp.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::firewall;
using namespace mr::test;

TEST_CASE("firewall: a container reaches the internet from the uplink address, an internal network's does not") {
  FirewallHost h;
  auto front = h.network("front", "mr-front", "10.89.0.1/24");
  auto vault = h.network("vault", "mr-vault", "10.91.0.1/24", true);
  Space web = h.container("mr-front", "vh-web", "10.89.0.2/24", "10.89.0.1");
  Space secret = h.container("mr-vault", "vh-secret", "10.91.0.2/24", "10.91.0.1");
  h.internet_route_to("10.91.0.0/24");
  auto server = tcp_listener(h.internet(), 8000);
  REQUIRE(tcp_peer(secret, kInternetIp, 8000, server, kTimeoutMs) == "10.91.0.2");  // routed, no rules yet

  h.add({.network = front, .container = "web"});
  h.add({.network = vault, .container = "secret"});
  CHECK(tcp_peer(web, kInternetIp, 8000, server, kTimeoutMs) == kUplinkIp);
  CHECK(tcp_peer(secret, kInternetIp, 8000, server, kRefusedWaitMs) == std::nullopt);
}

TEST_CASE("firewall: the internet reaches a published TCP and UDP port on the uplink address, at the right container") {
  FirewallHost h;
  auto front = h.network("front", "mr-front", "10.89.0.1/24");
  Space web = h.container("mr-front", "vh-web", "10.89.0.2/24", "10.89.0.1");
  Space other = h.container("mr-front", "vh-other", "10.89.0.3/24", "10.89.0.1");
  ContainerRules rules{.network = front, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}};
  rules.ports.push_back({.protocol = Protocol::udp, .host_port = 8081, .container_port = 81,
                         .container_ip = *netns::IpAddress::parse("10.89.0.2")});
  h.add(rules);
  h.add({.network = front, .container = "other"});
  auto web_tcp = tcp_listener(web, 80);
  auto other_tcp = tcp_listener(other, 80);
  auto web_udp = udp_server(web, 81);

  // The client's own address arrives: published ports are not masqueraded from outside.
  CHECK(tcp_peer(h.internet(), kUplinkIp, 8080, web_tcp, kTimeoutMs) == kInternetIp);
  CHECK_FALSE(wait_ready(other_tcp.get(), POLLIN, 0));
  CHECK(udp_exchange(h.internet(), kUplinkIp, 8081, web_udp) == kInternetIp);
}

TEST_CASE("firewall: the host reaches a published port on 127.0.0.1, containers through the uplink address") {
  FirewallHost h;
  auto front = h.network("front", "mr-front", "10.89.0.1/24");
  Space web = h.container("mr-front", "vh-web", "10.89.0.2/24", "10.89.0.1");
  Space other = h.container("mr-front", "vh-other", "10.89.0.3/24", "10.89.0.1");
  h.add({.network = front, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}});
  h.add({.network = front, .container = "other"});
  auto server = tcp_listener(web, 80);

  // Masqueraded to the gateway: a reply to 127.0.0.1 would stay in the container.
  CHECK(tcp_peer(h.host(), "127.0.0.1", 8080, server, kTimeoutMs) == "10.89.0.1");
  CHECK(tcp_peer(h.host(), kUplinkIp, 8080, server, kTimeoutMs) == kUplinkIp);
  // Hairpin: masqueraded, or the reply would go straight back over the bridge.
  CHECK(tcp_peer(other, kUplinkIp, 8080, server, kTimeoutMs) == "10.89.0.1");
}

TEST_CASE("firewall: a published range of host ports leads to the same range in the container") {
  FirewallHost h;
  auto front = h.network("front", "mr-front", "10.89.0.1/24");
  Space web = h.container("mr-front", "vh-web", "10.89.0.2/24", "10.89.0.1");
  h.add({.network = front, .container = "web", .ports = {tcp_port(9000, 7000, "10.89.0.2", 3)}});
  auto first = tcp_listener(web, 7000);
  auto second = tcp_listener(web, 7001);
  auto third = tcp_listener(web, 7002);

  CHECK(tcp_peer(h.internet(), kUplinkIp, 9001, second, kTimeoutMs) == kInternetIp);
  CHECK(tcp_peer(h.internet(), kUplinkIp, 9002, third, kTimeoutMs) == kInternetIp);
  CHECK(tcp_peer(h.internet(), kUplinkIp, 9000, first, kTimeoutMs) == kInternetIp);
  CHECK_FALSE(wait_ready(second.get(), POLLIN, 0));
  CHECK_FALSE(wait_ready(third.get(), POLLIN, 0));
}

TEST_CASE("firewall: two networks cannot reach each other, nor the internet a container but by its ports") {
  FirewallHost h;
  auto front = h.network("front", "mr-front", "10.89.0.1/24");
  auto side = h.network("side", "mr-side", "10.90.0.1/24");
  Space web = h.container("mr-front", "vh-web", "10.89.0.2/24", "10.89.0.1");
  Space db = h.container("mr-side", "vh-db", "10.90.0.2/24", "10.90.0.1");
  h.internet_route_to("10.89.0.0/24");
  auto web_server = tcp_listener(web, 80);
  auto db_server = tcp_listener(db, 5432);
  // Without our rules the host routes between them all.
  REQUIRE(tcp_peer(web, "10.90.0.2", 5432, db_server, kTimeoutMs) == "10.89.0.2");
  REQUIRE(tcp_peer(db, "10.89.0.2", 80, web_server, kTimeoutMs) == "10.90.0.2");
  REQUIRE(tcp_peer(h.internet(), "10.89.0.2", 80, web_server, kTimeoutMs) == kInternetIp);

  h.add({.network = front, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}});
  h.add({.network = side, .container = "db"});
  CHECK(tcp_peer(web, "10.90.0.2", 5432, db_server, kRefusedWaitMs) == std::nullopt);
  CHECK(tcp_peer(db, "10.89.0.2", 80, web_server, kRefusedWaitMs) == std::nullopt);
  CHECK(tcp_peer(h.internet(), "10.89.0.2", 80, web_server, kRefusedWaitMs) == std::nullopt);
  // A published port stays open, from outside and from the other network.
  CHECK(tcp_peer(h.internet(), kUplinkIp, 8080, web_server, kTimeoutMs) == kInternetIp);
  CHECK(tcp_peer(db, kUplinkIp, 8080, web_server, kTimeoutMs) == "10.89.0.1");  // DNATed from a subnet: masqueraded
}
