// Freezing a container's cgroup (pause/resume): v1's freezer.state, read until the
// kernel reports FROZEN (it may say FREEZING while tasks are still being stopped); v2's
// cgroup.freeze, waited for on cgroup.events ("frozen 1").
#pragma once

#include "base/error.hpp"
#include "runtime/cgroup_manager.hpp"

namespace mr::runtime {

Result<void> freeze_cgroup(const ContainerCgroups& cg, bool frozen);
// Whether the container's cgroup is frozen; false when it has no freezer.
bool cgroup_frozen(const ContainerCgroups& cg);

}  // namespace mr::runtime
