// Errors and diagnostics as JSON objects, for `--log-format json`.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hpp"

namespace mr::oci {

// {"level": "error", "msg": "<Error::message()>", "file": ..., "pointer": ...,
//  "context": ..., "errno": 17, "error": "File exists", "kernel": ...}; members that
// are empty or zero are left out, "level" and "msg" are always there.
nlohmann::json error_to_json(const Error& e, std::string_view level = "error");

}  // namespace mr::oci
