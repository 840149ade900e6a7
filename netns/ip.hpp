// Plain value types for what goes into netlink messages: IP addresses, prefixes,
// MAC addresses and interface names, with parsing and formatting.
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <span>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr::netns {

struct IpAddress {
  int family = AF_UNSPEC;             // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};    // network order; IPv4 uses the first 4

  static Result<IpAddress> parse(std::string_view text);
  // From the raw bytes of a netlink attribute (extra bytes are ignored).
  static IpAddress from_bytes(int family, std::span<const uint8_t> raw);
  std::string to_string() const;
  size_t size() const { return family == AF_INET ? 4 : 16; }
  std::span<const uint8_t> span() const { return {bytes.data(), size()}; }
  bool is_ipv6_link_local() const { return family == AF_INET6 && bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }
  auto operator<=>(const IpAddress&) const = default;
};

// An address with a prefix length, "192.0.2.10/24". As an interface address it keeps
// its host bits; network() clears them.
struct IpPrefix {
  IpAddress address;
  uint8_t length = 0;

  static Result<IpPrefix> parse(std::string_view text);
  std::string to_string() const;
  int family() const { return address.family; }
  uint8_t max_length() const { return address.family == AF_INET ? 32 : 128; }
  IpPrefix network() const;
  bool contains(const IpAddress& a) const;
  auto operator<=>(const IpPrefix&) const = default;
};

// What the kernel refuses (::, IPv6 multicast, ::1 outside lo) or silently ignores
// (0.0.0.0) as a device's address, and a prefix length of 0, which would make every
// destination on-link. Returns what is wrong, or nothing.
Result<void> check_device_address(const IpPrefix& p);

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static Result<MacAddress> parse(std::string_view text);  // "02:00:00:00:00:01"
  std::string to_string() const;
  bool is_multicast() const { return bytes[0] & 1; }
  auto operator<=>(const MacAddress&) const = default;
};

// The kernel's rules for a network interface name (dev_valid_name): 1 to 15 bytes,
// not "." or "..", no '/', ':' or whitespace; and not "all" or "default", which the
// kernel refuses too. Returns what is wrong, or nothing.
Result<void> check_ifname(std::string_view name);

}  // namespace mr::netns
