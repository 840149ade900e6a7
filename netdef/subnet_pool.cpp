#include "netdef/subnet_pool.hpp"

#include <algorithm>

#include "netdef/prefix_math.hpp"
#include "netdef/random_bytes.hpp"

namespace mr::netdef {

namespace {

bool is_free(const netns::IpPrefix& candidate, const std::vector<netns::IpPrefix>& taken) {
  return std::none_of(taken.begin(), taken.end(), [&](const netns::IpPrefix& t) { return overlaps(candidate, t); });
}

netns::IpPrefix ipv4_slash24(uint8_t a, uint8_t b, uint8_t c) {
  netns::IpPrefix p;
  p.address.family = AF_INET;
  p.address.bytes[0] = a;
  p.address.bytes[1] = b;
  p.address.bytes[2] = c;
  p.length = 24;
  return p;
}

}  // namespace

std::optional<netns::IpPrefix> pick_free_ipv4(const std::vector<netns::IpPrefix>& taken) {
  // 10.89.0.0/24 is the default network's.
  for (unsigned c = 1; c <= 255; ++c)
    if (auto p = ipv4_slash24(10, 89, static_cast<uint8_t>(c)); is_free(p, taken)) return p;
  for (unsigned b = 90; b <= 91; ++b)
    for (unsigned c = 0; c <= 255; ++c)
      if (auto p = ipv4_slash24(10, static_cast<uint8_t>(b), static_cast<uint8_t>(c)); is_free(p, taken)) return p;
  return std::nullopt;
}

Result<GlobalId> random_global_id() {
  GlobalId id{};
  MR_TRY(random_bytes(id, "an IPv6 global ID"));
  return id;
}

Result<std::optional<netns::IpPrefix>> pick_free_ipv6(const std::vector<netns::IpPrefix>& taken,
                                                      const GlobalIdSource& draw) {
  for (int i = 0; i < kIpv6Draws; ++i) {
    GlobalId id = MR_TRY_VALUE(draw());
    netns::IpPrefix p;
    p.address.family = AF_INET6;
    p.address.bytes[0] = 0xfd;  // RFC 4193: FC00::/7 with the L bit set
    std::copy(id.begin(), id.end(), p.address.bytes.begin() + 1);
    p.length = 64;  // subnet ID 0
    if (is_free(p, taken)) return p;
  }
  return std::optional<netns::IpPrefix>{};
}

}  // namespace mr::netdef
