#include "netdef/prefix_math.hpp"

#include <algorithm>

namespace mr::netdef {

bool overlaps(const netns::IpPrefix& a, const netns::IpPrefix& b) {
  if (a.family() != b.family()) return false;
  const uint8_t shorter = std::min(a.length, b.length);
  return netns::IpPrefix{a.address, shorter}.network() == netns::IpPrefix{b.address, shorter}.network();
}

netns::IpAddress last_address(const netns::IpPrefix& p) {
  netns::IpAddress out = p.network().address;
  for (size_t bit = p.length; bit < out.size() * 8; ++bit)
    out.bytes[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
  return out;
}

netns::IpAddress add_to(netns::IpAddress a, uint64_t n) {
  for (size_t i = a.size(); i-- > 0 && n > 0;) {
    uint64_t sum = a.bytes[i] + (n & 0xff);
    a.bytes[i] = static_cast<uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
  return a;
}

bool inside(const netns::IpPrefix& inner, const netns::IpPrefix& outer) {
  return inner.family() == outer.family() && inner.length >= outer.length && outer.contains(inner.address);
}

}  // namespace mr::netdef
