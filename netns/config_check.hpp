// Checks of a NetConfig that need no kernel: apply() runs them before touching anything,
// whatever its caller already checked. Errors carry the device's or route's origin as
// their pointer.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"
#include "netns/network_config.hpp"

namespace mr::netns {

// The host end of a veth left unnamed: "mr" + 8 hex digits of a hash of the container
// id + "-" + the device's position (below 1000), so the same container always gets the
// same names and different containers (almost surely) different ones. Variant 1..26
// appends a letter ("mr1a2b3c4d-0a"): the name apply() takes when the plain one is
// still held by the dying namespace of an earlier container with the same id. At most
// 15 bytes.
inline constexpr int kDerivedVethVariants = 26;
std::string derived_veth_name(std::string_view container_id, size_t position, int variant = 0);

// Whether a host-side name has the form of a derived one (any container, any variant).
bool is_derived_veth_name(std::string_view name);

// The host-side name of a veth device at `position`: its own or the derived one.
std::string veth_host_name(const VethDevice& v, std::string_view container_id, size_t position);

// Whether a name is a kernel name template ("eth%d"): the kernel picks the number.
bool is_name_template(std::string_view name);

// Names (lengths, characters, duplicates, "lo"), templates only for moved devices,
// MACs, MTUs, routes naming devices of the config with matching address families, and
// net.* sysctl keys.
Result<void> check_config(const NetConfig& cfg, std::string_view container_id);

}  // namespace mr::netns
