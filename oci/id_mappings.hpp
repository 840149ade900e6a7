// linux.uidMappings and gidMappings: checked as the kernel will take them when the
// runtime writes /proc/PID/uid_map and gid_map (user_namespaces(7)), and looked up to
// find which host id a container id is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace mr::oci {

// Lines a uid_map or gid_map takes since Linux 4.15 (UID_GID_MAP_MAX_EXTENTS).
inline constexpr std::size_t kMaxIdMappings = 340;

struct IdMappingProblem {
  std::string pointer;  // into config.json
  std::string what;
};

// One list on its own (`base` is "/linux/uidMappings"): at most kMaxIdMappings entries,
// none empty, none past the largest id, none overlapping another on either side.
std::vector<IdMappingProblem> check_id_mappings(const std::vector<IdMapping>& list, const std::string& base);

// The user namespace as a whole: mappings only with a new user namespace and always with
// one, the container's root mapped, and process.user's ids mapped (else the init could
// not become them).
std::vector<IdMappingProblem> check_user_namespace(const Config& c);

// The host id of `container_id`, if the list maps it.
std::optional<uint32_t> host_id_of(const std::vector<IdMapping>& list, uint32_t container_id);

// "0 100000 65536\n" per mapping: what /proc/PID/uid_map is written with (one write).
std::string id_map_text(const std::vector<IdMapping>& list);

}  // namespace mr::oci
