// Where a setting came from, kept in the netns model as "file#pointer" (a JSON reference,
// "network.json#/devices/1"), so a problem found after specs are merged still names the
// file and JSON pointer the user wrote it at.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr::netspec {

std::string make_origin(std::string_view file, std::string_view pointer);
// An input error at `origin`, with `sub` (e.g. "/addresses/0") appended to its pointer.
Error origin_error(std::string_view origin, std::string_view sub, std::string what);

}  // namespace mr::netspec
