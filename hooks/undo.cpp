#include <unistd.h>

#include <csignal>

#include "hooks/hook.hpp"
#include "base/dir_lock.hpp"
#include "base/log.hpp"
#include "network/service.hpp"

namespace mr::hooks {

Result<void> undo(const HookOptions& opts, const oci::State& state) {
  // Waits for an attach or detach under way; removes ROOT/ID before letting go.
  auto lock = lock_directory(container_dir(opts, state.id).dir);
  if (!lock && lock.error().err == ENOENT) return {};  // never configured, or undone already
  if (!lock) return std::unexpected(std::move(lock).error());
  auto where = container_dir(opts, state.id, true);
  auto reached = MR_TRY_VALUE(network::reach(where));
  if (reached.out_of_reach() && !opts.forget_network)
    return fail(0, "container " + state.id + ": " + reached.out_of_reach_message() +
                              "; nothing was changed: the same stage run again with --forget-network gives them up");
  // At poststop the container's processes are gone (crun passes the dead init's pid).
  // Without a pid, or with one that runs (--stage undo on a live container), the hook
  // cannot tell that the namespace ends, and deletes what it made itself. When it ends,
  // the kernel deletes the veths with derived host names off our path (teardown.cpp).
  bool gone = state.pid > 0 && ::kill(state.pid, 0) != 0 && errno == ESRCH;
  auto torn = MR_TRY_VALUE(network::tear_down({.container_id = state.id,
                                                   .where = where,
                                                   .container_gone = gone,
                                                   .reached = &reached,
                                                   .forget = opts.forget_network}));
  for (const auto& w : torn.warnings) log_warn(w);
  for (const auto& n : torn.notes) log_debug("network: " + n);
  MR_TRY(forget_process(where));
  if (::rmdir(where.dir.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + where.dir);
  return {};
}

}  // namespace mr::hooks
