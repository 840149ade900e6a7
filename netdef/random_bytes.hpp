// Random bytes for what must not repeat across machines: network ids and IPv6 global IDs.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/error.hpp"

namespace mr::netdef {

// Fills `out` from getrandom(2) (blocking only until the kernel's pool is first seeded);
// errors say `what` the bytes were for.
Result<void> random_bytes(std::span<uint8_t> out, std::string_view what);

}  // namespace mr::netdef
