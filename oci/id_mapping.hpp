// uid and gid mappings as config.json writes them (runtime-spec LinuxIDMapping:
// containerID, hostID, size), checked against what the kernel's uid_map and gid_map
// accept (user_namespaces(7); kernel/user_namespace.c map_write()), so that a mapping the
// kernel would refuse is reported at its pointer before anything is made.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
  bool operator==(const IdMapping&) const = default;
};

// The most lines a uid_map or gid_map takes (since Linux 4.15).
inline constexpr std::size_t kMaxIdMappings = 340;

// Called with a pointer into the whole config and what was expected there.
using ProblemSink = std::function<void(std::string pointer, std::string what)>;

// Reads the array `j` found at `pointer` ("/mounts/2/uidMappings"). Each problem goes to
// `problem`: no entry, more than kMaxIdMappings, a size of 0, a range that runs past the
// last id, ranges that overlap on either side. A value of the wrong JSON type throws
// nlohmann::json::exception (the schema has reported it).
std::vector<IdMapping> read_id_mappings(const nlohmann::json& j, const std::string& pointer,
                                        const ProblemSink& problem);

// The text written to /proc/PID/uid_map or gid_map: one "containerID hostID size" line
// per mapping.
std::string id_map_text(const std::vector<IdMapping>& mappings);

}  // namespace mr::oci
