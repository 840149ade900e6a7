// Traffic between test namespaces: sockets made inside a namespace, and one UDP datagram
// checked end to end. Waits on poll() with a timeout, never sleeps.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "netns/ip.hpp"
#include "base/unique_fd.hpp"
#include "support/sandbox.hpp"

namespace mr::test {

inline constexpr uint16_t kPort = 7777;
// Long enough for a lost first IPv6 neighbour solicitation to be sent again (RetransTimer,
// 1 s), which this kernel sometimes needs.
inline constexpr int kTimeoutMs = 3000;

sockaddr_storage socket_address(const netns::IpAddress& ip, uint16_t port, socklen_t& len);
netns::IpAddress address_of(const sockaddr_storage& ss);
// A socket made inside `space` (it belongs to that namespace for its whole life), bound to
// `local` (port kPort) if given.
UniqueFd socket_in(Space& space, int family, int type, const netns::IpAddress* local = nullptr);
// Fails the test unless `fd` becomes readable within kTimeoutMs.
void wait_readable(const UniqueFd& fd);
// Sends one datagram from `from` to `to_ip` and checks that it arrives there whole,
// from `from_ip`.
void check_udp(Space& from, const netns::IpAddress& from_ip, Space& to, const netns::IpAddress& to_ip);

}  // namespace mr::test
