// How the container's init comes to exist in its namespaces: cloned by the runtime
// straight into the new ones, or, when it must join a pid namespace by path, forked by
// an intermediate "stage 1" process.
#pragma once

#include <sys/types.h>

#include "runtime/init.hpp"
#include "runtime/sync_socket.hpp"

namespace mr::runtime {

struct InitLaunch {
  pid_t child = -1;          // the init itself, or stage 1
  bool via_stage1 = false;
  bool reports_join = false;  // a directly cloned init that joins namespaces by path
};

// Starts the init (ctx.sync_fd is pair.init_end) and closes the runtime's copy of
// pair.init_end. Nothing is waited for: see await_init. The child first waits for
// SyncTag::placed, which the caller sends once it has moved launch.child into the
// container's cgroups (a cgroup namespace is made after that).
Result<InitLaunch> launch_init(const InitContext& ctx, SyncPair& pair);

// Returns the init's pid once it is in all its namespaces; an error the init or stage 1
// sent instead is returned as it came.
Result<pid_t> await_init(const InitLaunch& launch, int runtime_end);

}  // namespace mr::runtime
