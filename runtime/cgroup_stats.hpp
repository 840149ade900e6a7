// The numbers `events --stats` reports, in runc's JSON (libcontainer's types.Stats as
// runc events prints it): cpu, memory, pids, blkio, hugetlb, read from the container's
// cgroup files (v1 or v2, whichever holds each controller).
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/cgroup_manager.hpp"

namespace mr::runtime {

// {"cpu": {...}, "memory": {...}, "pids": {...}, "blkio": {...}, "hugetlb": {...}}
nlohmann::json cgroup_stats(const ContainerCgroups& cg);

}  // namespace mr::runtime
