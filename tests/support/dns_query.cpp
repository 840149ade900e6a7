#include "support/dns_query.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>

#include "support/udp.hpp"

namespace mr::test {

namespace {

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}

uint16_t get16(const std::string& in, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(in[at]) << 8) | static_cast<uint8_t>(in[at + 1]));
}

// The offset after the (possibly compressed) name at `at`, or npos.
size_t skip_name(const std::string& in, size_t at) {
  while (at < in.size()) {
    auto len = static_cast<uint8_t>(in[at]);
    if (len == 0) return at + 1;
    if ((len & 0xc0) == 0xc0) return at + 2;
    at += 1 + len;
  }
  return std::string::npos;
}

}  // namespace

std::optional<DnsAnswer> dns_query(Space& from, const netns::IpAddress& server, const std::string& name, int family,
                                   int timeout_ms) {
  const uint16_t id = 0x4d52;
  const uint16_t type = family == AF_INET ? 1 : 28;
  std::string q;
  put16(q, id);
  put16(q, 0x0100);  // a standard query, recursion desired
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  for (size_t start = 0; start <= name.size();) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q += static_cast<char>(dot - start);
    q += name.substr(start, dot - start);
    start = dot + 1;
  }
  q += '\0';
  put16(q, type);
  put16(q, 1);

  UniqueFd s = socket_in(from, server.family, SOCK_DGRAM);
  socklen_t len = 0;
  auto to = socket_address(server, 53, len);
  // Sent again every 250 ms, as a resolver does (RES_TIMEOUT): a server that is reading
  // its configuration again drops what arrives meanwhile.
  pollfd p{.fd = s.get(), .events = POLLIN};
  bool answered = false;
  for (int waited = 0; waited < timeout_ms && !answered; waited += 250) {
    if (::sendto(s.get(), q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&to), len) < 0) return std::nullopt;
    answered = ::poll(&p, 1, 250) == 1;
  }
  if (!answered) return std::nullopt;
  std::string r(4096, '\0');
  ssize_t n = ::recv(s.get(), r.data(), r.size(), 0);
  if (n < 12) return std::nullopt;
  r.resize(static_cast<size_t>(n));
  if (get16(r, 0) != id) return std::nullopt;  // only one query is ever asked on this socket
  DnsAnswer out;
  out.rcode = get16(r, 2) & 0x0f;
  size_t at = skip_name(r, 12);
  if (at == std::string::npos) return out;
  at += 4;
  for (uint16_t i = 0, answers = get16(r, 6); i < answers; ++i) {
    at = skip_name(r, at);
    if (at == std::string::npos || at + 10 > r.size()) break;
    uint16_t rtype = get16(r, at);
    uint16_t rdlen = get16(r, at + 8);
    at += 10;
    if (at + rdlen > r.size()) break;
    if (rtype == type)
      out.addresses.push_back(
          netns::IpAddress::from_bytes(family, {reinterpret_cast<const uint8_t*>(r.data()) + at, rdlen}).to_string());
    at += rdlen;
  }
  return out;
}

}  // namespace mr::test

namespace mr::test {

std::vector<std::string> dns_addresses_once(Space& from, const netns::IpAddress& server, const std::string& name,
                                            const std::vector<std::string>& expected, int timeout_ms) {
  std::vector<std::string> last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    auto answer = dns_query(from, server, name, server.family, 1000);
    last = answer ? answer->addresses : std::vector<std::string>{};
    if (last == expected) break;
  } while (std::chrono::steady_clock::now() < deadline);
  return last;
}

}  // namespace mr::test
