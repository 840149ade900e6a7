// Sysctl names as the user writes them ("net.ipv4.ip_forward"), which become paths under
// /proc/sys: they must not be able to climb out of it.
#pragma once

#include <string_view>

namespace mr::oci {

// Dot-separated, non-empty parts, no '/'.
bool is_valid_sysctl_name(std::string_view key);

}  // namespace mr::oci
