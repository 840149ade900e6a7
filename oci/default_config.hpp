// The config.json that `mini-runc spec` writes: runc's default for a busybox rootfs,
// with its own network namespace.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

nlohmann::json default_config();
// default_config() as indented text with a final newline.
std::string default_config_json();

}  // namespace mr::oci
