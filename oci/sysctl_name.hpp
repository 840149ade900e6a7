// Sysctl names as the user writes them ("net.ipv4.ip_forward"), which become paths under
// /proc/sys: they must not be able to climb out of it.
#pragma once

#include <optional>
#include <string_view>

namespace mr::oci {

// Dot-separated, non-empty parts, no '/'.
bool is_valid_sysctl_name(std::string_view key);

// Sysctls that are per-namespace, and the namespace type that makes them so. Anything
// else would be written into the host's kernel.
std::optional<std::string_view> sysctl_namespace(std::string_view key);

}  // namespace mr::oci
