// Container ids name a directory under --root, so they are checked before any path is
// built from them.
#pragma once

#include <string_view>

#include "netns/error.hpp"

namespace mr::runtime {

using netns::Error;
using netns::Result;

inline constexpr std::size_t kMaxIdLength = 1024;

// Letters, digits and `_ + - .`, not "." or "..", at most kMaxIdLength characters.
Result<void> check_container_id(std::string_view id);

}  // namespace mr::runtime
