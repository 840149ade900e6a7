#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "support/udp.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("UDP over a direct veth pair arrives from the sender's address, IPv4 and IPv6") {
  Sandbox sb;  // root check; the two containers are joined directly
  Space a = sb.child();
  Space b = sb.child();
  MUST(create_veth(a.nl, {.name = "eth0", .peer_name = "eth0", .peer_ns = &b.ns, .settings = {.up = true},
                          .peer_settings = {.up = true}},
                   &b.nl));
  auto a_eth = a.link("eth0");
  auto b_eth = b.link("eth0");
  a.wait_oper_up("eth0");
  b.wait_oper_up("eth0");
  MUST(add_address(a.nl, a_eth.index, *IpPrefix::parse("10.0.0.1/24")));
  MUST(add_address(b.nl, b_eth.index, *IpPrefix::parse("10.0.0.2/24")));
  MUST(add_address(a.nl, a_eth.index, *IpPrefix::parse("fd00::1/64"), {.no_dad = true}));
  MUST(add_address(b.nl, b_eth.index, *IpPrefix::parse("fd00::2/64"), {.no_dad = true}));
  check_udp(a, *IpAddress::parse("10.0.0.1"), b, *IpAddress::parse("10.0.0.2"));
  check_udp(b, *IpAddress::parse("fd00::2"), a, *IpAddress::parse("fd00::1"));
}

TEST_CASE("TCP between two containers on a sandbox bridge, and UDP back") {
  Sandbox sb;
  auto br = sb.bridge("br0");
  Space a = sb.child();
  Space b = sb.child();
  auto a_eth = sb.veth_into(a, "vh-a", "eth0", br.index);
  auto b_eth = sb.veth_into(b, "vh-b", "eth0", br.index);
  auto a_ip = *IpAddress::parse("10.88.0.2");
  auto b_ip = *IpAddress::parse("10.88.0.3");
  MUST(add_address(a.nl, a_eth.index, {a_ip, 16}));
  MUST(add_address(b.nl, b_eth.index, {b_ip, 16}));
  for (auto* name : {"vh-a", "vh-b"}) sb.host().wait_oper_up(name);
  a.wait_oper_up("eth0");
  b.wait_oper_up("eth0");

  auto listener = socket_in(b, AF_INET, SOCK_STREAM, &b_ip);
  REQUIRE(::listen(listener.get(), 1) == 0);
  auto client = socket_in(a, AF_INET, SOCK_STREAM);
  timeval limit{.tv_sec = kTimeoutMs / 1000, .tv_usec = 0};  // connect() gives up after it
  REQUIRE(::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) == 0);
  socklen_t len = 0;
  auto dst = socket_address(b_ip, kPort, len);
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&dst), len) == 0);
  wait_readable(listener);
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  UniqueFd conn(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
  REQUIRE(conn);
  CHECK(address_of(peer).to_string() == "10.88.0.2");
  REQUIRE(::send(client.get(), "ping", 4, 0) == 4);
  wait_readable(conn);
  char buf[8] = {};
  REQUIRE(::recv(conn.get(), buf, sizeof buf, 0) == 4);
  CHECK(std::string(buf) == "ping");

  check_udp(b, b_ip, a, a_ip);
}
