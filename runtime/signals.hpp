// Signal names as `kill` takes them: "TERM", "SIGTERM", "15", "RTMIN+3".
#pragma once

#include <string_view>

#include "base/error.hpp"

namespace mr::runtime {

Result<int> parse_signal(std::string_view text);

}  // namespace mr::runtime
