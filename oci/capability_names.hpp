// The capability names of the runtime-spec ("CAP_NET_ADMIN"), in kernel order: the one
// table config.json's /process/capabilities is checked against at load, the init sets
// them from, and `mini-runc features` lists.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace mr::oci {

// Index = capability number (include/uapi/linux/capability.h).
std::span<const std::string_view> capability_names();
// "CAP_NET_ADMIN" -> 12; nullopt for a name no kernel capability has.
std::optional<int> capability_number_of(std::string_view name);

}  // namespace mr::oci
