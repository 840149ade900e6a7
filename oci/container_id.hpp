// Container ids name a directory under --root, so they are checked before any path is
// built from them.
#pragma once

#include <string_view>

#include "base/error.hpp"

namespace mr::oci {


// The id is the state directory's name (ROOT/ID), so it must fit NAME_MAX. runc checks
// no length of its own: mkdir fails with ENAMETOOLONG instead.
inline constexpr std::size_t kMaxIdLength = 255;

// Letters, digits and `_ + - .`, not "." and no "..", at most kMaxIdLength characters.
// The refusal quotes the id with its control characters escaped (one_line()), so that
// no id splits a log line.
Result<void> check_container_id(std::string_view id);

}  // namespace mr::oci
