#include <unistd.h>

#include <cstdio>

#include "hooks/hook.hpp"
#include "netns/container_network.hpp"
#include "netns/dir_lock.hpp"

namespace mr::hooks {

Result<void> undo(const HookOptions& opts, const oci::State& state) {
  auto where = container_dir(opts, state.id);
  // Waits for an attach or detach under way; removes ROOT/ID before letting go.
  auto lock = netns::lock_directory(where.dir);
  if (!lock && lock.error().err == ENOENT) return {};  // never configured, or undone already
  if (!lock) return std::unexpected(std::move(lock).error());
  // Even when the container is gone (crun passes the dead init's pid), the veths and
  // macvlans made for it are deleted here rather than left to the namespace's end: the
  // kernel deletes those in cleanup_net(), a work queue that runs after the hook has
  // exited, and until then a veth's host end keeps its name on the host, so that the
  // runtime's next container with the same veth.hostName would find it taken.
  auto report = MR_TRY_VALUE(netns::teardown_container_network(where, {.container_gone = false}));
  for (const auto& d : report.returned)
    if (d.fallback)
      std::fprintf(stderr, "netns-hook: warning: %s returned to the host as %s: its name was taken\n",
                   d.host_name.c_str(), d.name.c_str());
  MR_TRY(forget_process(where));
  if (::rmdir(where.dir.c_str()) != 0 && errno != ENOENT) return netns::fail(errno, "remove " + where.dir);
  return {};
}

}  // namespace mr::hooks
