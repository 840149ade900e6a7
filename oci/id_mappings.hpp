// linux.uidMappings and gidMappings: checked as the kernel will take them when the
// runtime writes /proc/PID/uid_map and gid_map (user_namespaces(7)), and looked up to
// find which host id a container id is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oci/config.hpp"
#include "oci/id_mapping.hpp"

namespace mr::oci {

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

}  // namespace mr::oci
