// linux.resources as the cgroup files to write, in order, checked before anything is
// made: a bad value, or a limit whose controller this host does not have, fails with
// its pointer (/linux/resources/...). The files are v1's or v2's by where the host keeps
// each controller, as runc's fs and fs2 drivers write them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "runtime/cgroup_host.hpp"

namespace mr::runtime {

struct CgroupWrite {
  std::string hierarchy;  // Hierarchy::key
  std::string file;       // "memory.limit_in_bytes"; alternatives: "blkio.bfq.weight|blkio.weight"
  std::string value;
  std::string pointer;    // "/linux/resources/memory/limit"
};

struct ResourcePlan {
  std::vector<CgroupWrite> writes;
  std::vector<std::string> warnings;  // settings ignored as runc ignores them
};

// `resources` is linux.resources (null when absent). With `default_devices` (create,
// not update), a v1 devices controller also gets runc's rules: everything denied, then
// the spec's rules, then the devices every container has (/dev/null, /dev/zero, ...).
Result<ResourcePlan> plan_resources(const nlohmann::json& resources, const CgroupHost& host, bool default_devices);

// An input error at `pointer` of config.json.
Error resource_error(std::string pointer, std::string what);

}  // namespace mr::runtime
