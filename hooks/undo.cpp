#include <unistd.h>

#include <csignal>

#include "hooks/hook.hpp"
#include "netns/container_network.hpp"
#include "base/dir_lock.hpp"
#include "base/log.hpp"

namespace mr::hooks {

Result<void> undo(const HookOptions& opts, const oci::State& state) {
  // Waits for an attach or detach under way; removes ROOT/ID before letting go.
  auto lock = lock_directory(container_dir(opts, state.id).dir);
  if (!lock && lock.error().err == ENOENT) return {};  // never configured, or undone already
  if (!lock) return std::unexpected(std::move(lock).error());
  auto where = container_dir(opts, state.id, true);
  auto reached = MR_TRY_VALUE(netns::reach_container_network(where));
  if (reached.out_of_reach() && !opts.forget_network)
    return fail(0, "container " + state.id + ": " + reached.out_of_reach_message() +
                              "; nothing was changed: the same stage run again with --forget-network gives them up");
  // At poststop the container's processes are gone (crun passes the dead init's pid).
  // Without a pid, or with one that runs (--stage undo on a live container), the hook
  // cannot tell that the namespace ends, and deletes what it made itself. When it ends,
  // the kernel deletes the veths with derived host names off our path (teardown.cpp).
  bool gone = state.pid > 0 && ::kill(state.pid, 0) != 0 && errno == ESRCH;
  auto report = MR_TRY_VALUE(netns::teardown_container_network(
      where, {.container_gone = gone, .reached = &reached, .forget_out_of_reach = opts.forget_network}));
  for (const auto& d : report.returned)
    if (d.fallback) log_warn(d.host_name + " returned to the host as " + d.name + ": its name was taken");
    else log_debug("network: " + d.name + " returned to the host");
  for (const auto& w : report.warnings) log_warn(w);
  for (const auto& d : report.forgotten)
    log_warn("container " + state.id + ": gave up " + d + ": its network namespace is out of reach; the kernel "
             "deals with " + d + " when that namespace ends");
  MR_TRY(forget_process(where));
  if (::rmdir(where.dir.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + where.dir);
  return {};
}

}  // namespace mr::hooks
