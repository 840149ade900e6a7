#include "support/udp.hpp"
#include "support/wait.hpp"

#include <netinet/in.h>
#include <poll.h>

#include <cstring>
#include <string>

namespace mr::test {

using netns::IpAddress;
using netns::run_in;

sockaddr_storage socket_address(const IpAddress& ip, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (ip.family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

IpAddress address_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    return IpAddress::from_bytes(AF_INET, {reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4});
  }
  auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  return IpAddress::from_bytes(AF_INET6, {reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16});
}

UniqueFd socket_in(Space& space, int family, int type, const IpAddress* local) {
  UniqueFd fd = MUST(run_in(space.ns, [&] { return UniqueFd(::socket(family, type | SOCK_CLOEXEC, 0)); }));
  REQUIRE(fd);
  if (local) {
    socklen_t len = 0;
    auto sa = socket_address(*local, kPort, len);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) == 0);
  }
  return fd;
}

void wait_readable(const UniqueFd& fd) {
  REQUIRE_MESSAGE(wait_ready(fd.get(), POLLIN, kTimeoutMs), "nothing arrived within " << kTimeoutMs << " ms");
}

void check_udp(Space& from, const IpAddress& from_ip, Space& to, const IpAddress& to_ip) {
  auto rx = socket_in(to, to_ip.family, SOCK_DGRAM, &to_ip);
  auto tx = socket_in(from, from_ip.family, SOCK_DGRAM);
  socklen_t len = 0;
  auto dst = socket_address(to_ip, kPort, len);
  const char payload[] = "hello across namespaces";
  REQUIRE(::sendto(tx.get(), payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), len) ==
          static_cast<ssize_t>(sizeof payload));
  wait_readable(rx);
  char buf[64] = {};
  sockaddr_storage src{};
  socklen_t src_len = sizeof src;
  ssize_t n = ::recvfrom(rx.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &src_len);
  REQUIRE(n == static_cast<ssize_t>(sizeof payload));
  CHECK(std::string(buf) == payload);
  CHECK(address_of(src).to_string() == from_ip.to_string());
}

}  // namespace mr::test
