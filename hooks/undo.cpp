#include <unistd.h>

#include <csignal>
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
  // At poststop the container's processes are gone (crun passes the dead init's pid).
  // Without a pid, or with one that runs (--stage undo on a live container), the hook
  // cannot tell that the namespace ends, and deletes what it made itself. When it ends,
  // the kernel deletes the veths with derived host names off our path (teardown.cpp).
  bool gone = state.pid > 0 && ::kill(state.pid, 0) != 0 && errno == ESRCH;
  auto report = MR_TRY_VALUE(netns::teardown_container_network(where, {.container_gone = gone}));
  for (const auto& d : report.returned)
    if (d.fallback)
      std::fprintf(stderr, "netns-hook: warning: %s returned to the host as %s: its name was taken\n",
                   d.host_name.c_str(), d.name.c_str());
  for (const auto& w : report.warnings) std::fprintf(stderr, "netns-hook: warning: %s\n", w.message().c_str());
  MR_TRY(forget_process(where));
  if (::rmdir(where.dir.c_str()) != 0 && errno != ENOENT) return netns::fail(errno, "remove " + where.dir);
  return {};
}

}  // namespace mr::hooks
