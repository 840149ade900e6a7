#include "netns/ip.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace mr::netns {

namespace {

std::unexpected<Error> bad(std::string_view what, std::string_view text) {
  return fail(EINVAL, std::string(what) + " \"" + std::string(text) + "\"");
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton() stops at a NUL: "10.0.0.1\0junk" would pass as 10.0.0.1.
  if (text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
    return bad("invalid IP address", text);
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return bad("invalid IP address", text);
}

IpAddress IpAddress::from_bytes(int family, std::span<const uint8_t> raw) {
  IpAddress a;
  a.family = family;
  std::copy_n(raw.begin(), std::min(raw.size(), a.size()), a.bytes.begin());
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family != AF_INET && family != AF_INET6) return "?";
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad("expected ADDRESS/PREFIXLEN, got", text);
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return bad("invalid IP address in prefix", text);
  IpPrefix p{*addr, 0};
  auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() ||
      len > p.max_length())
    return bad("invalid prefix length in", text);
  p.length = static_cast<uint8_t>(len);
  return p;
}

std::string IpPrefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

IpPrefix IpPrefix::network() const {
  IpPrefix n = *this;
  for (size_t bit = length; bit < address.size() * 8; ++bit)
    n.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return n;
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family != address.family) return false;
  IpPrefix other{a, length};
  return other.network().address == network().address;
}

Result<void> check_device_address(const IpPrefix& p) {
  const auto raw = p.address.span();
  const bool v6 = p.family() == AF_INET6;
  if (std::all_of(raw.begin(), raw.end(), [](uint8_t b) { return b == 0; }))
    // inet_insert_ifa() drops 0.0.0.0 and reports success; inet6_addr_add() refuses ::.
    return fail(EINVAL, "address " + p.to_string() + ": the unspecified address " + p.address.to_string() +
                            " is not an address a device can have");
  if (p.length == 0)
    return fail(EINVAL, "address " + p.to_string() + ": prefix length 0 would make every destination a neighbour "
                        "on this link (for a default route write a route with \"to\": \"default\")");
  if (v6 && raw[0] == 0xff)  // inet6_addr_add() needs IFA_F_MCAUTOJOIN for these
    return fail(EINVAL, "address " + p.to_string() + ": a multicast address is not an address a device can have");
  if (v6 && std::all_of(raw.begin(), raw.end() - 1, [](uint8_t b) { return b == 0; }) && raw.back() == 1)
    return fail(EINVAL, "address " + p.to_string() + ": ::1 belongs to lo, the kernel refuses it on another device");
  return {};
}

Result<MacAddress> MacAddress::parse(std::string_view text) {
  MacAddress m;
  if (text.size() != 17) return bad("invalid MAC address", text);
  for (size_t i = 0; i < 6; ++i) {
    auto part = text.substr(i * 3, 2);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc{} || end != part.data() + 2 || (i < 5 && text[i * 3 + 2] != ':'))
      return bad("invalid MAC address", text);
    m.bytes[i] = static_cast<uint8_t>(v);
  }
  return m;
}

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

Result<void> check_ifname(std::string_view name) {
  if (name.empty()) return fail(EINVAL, "interface name is empty");
  if (name.size() >= IFNAMSIZ)
    return fail(EINVAL, "interface name \"" + std::string(name) + "\" is longer than " +
                            std::to_string(IFNAMSIZ - 1) + " bytes");
  if (name == "." || name == "..")
    return fail(EINVAL, "interface name \"" + std::string(name) + "\" is reserved");
  // Names of the per-device sysctl directories /proc/sys/net/*/conf/{all,default}: the
  // kernel refuses them for a device (EINVAL, for a new link and for a rename alike).
  if (name == "all" || name == "default")
    return fail(EINVAL, "interface name \"" + std::string(name) + "\" is reserved (it names /proc/sys/net/*/conf/" +
                            std::string(name) + ")");
  for (unsigned char c : name)
    if (c == '/' || c == ':' || c == 0 || std::isspace(c))
      return fail(EINVAL, "interface name \"" + std::string(name) +
                              "\" contains '/', ':', NUL or whitespace");
  return {};
}

}  // namespace mr::netns
