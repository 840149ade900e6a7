// `mini-runc validate`: everything wrong with a bundle (config.json and its network
// spec, optionally against the host), found without running or changing anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/netlink_socket.hpp"
#include "oci/diagnostics.hpp"

namespace mr::network {

struct BundleReport {
  std::vector<Error> problems;  // empty: the bundle is valid
  oci::Diagnostics diag;                    // warnings and debug notes
};

// `host`, when given, is a socket in the host's network namespace: the devices and
// bridges the spec names are then looked up too (check_host), the hooks' files
// (check_hook_paths), and the namespaces joined by path (check_joined_namespaces).
BundleReport validate_bundle(const std::string& bundle_dir, const std::optional<std::string>& network_file,
                             netns::NlSocket* host = nullptr);

}  // namespace mr::network
