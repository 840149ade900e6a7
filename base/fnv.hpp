// FNV-1a, 32 bits: a small stable hash for names derived from ids and for the journal's
// line checksums (not for anything an attacker chooses to collide).
#pragma once

#include <cstdint>
#include <string_view>

namespace mr {

constexpr uint32_t fnv1a(std::string_view text) {
  uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace mr
