// The config.json that `mini-runc spec` writes: runc's default for a busybox rootfs,
// with its own network namespace.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

struct DefaultConfigOptions {
  // The process also gets CAP_NET_ADMIN and CAP_NET_RAW (bounding, effective, permitted):
  // what `ip addr add` and `ping` inside the container need, in its own network
  // namespace only.
  bool net_admin = false;
};

nlohmann::json default_config(const DefaultConfigOptions& opts = {});
// default_config() as indented text with a final newline.
std::string default_config_json(const DefaultConfigOptions& opts = {});

}  // namespace mr::oci
