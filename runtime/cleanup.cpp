// Leftovers of crashed runtimes. A runtime killed during create leaves ROOT/ID with a
// state that says "creating" (or no state.json yet), a pinned namespace and a journal of
// what it had changed on the host; one killed later leaves a container whose init is
// gone. The journal is written before each change (netns/journal.hpp), so undoing it
// restores the host whatever the moment of the crash.
#include <csignal>

#include "runtime/container.hpp"
#include "runtime/network.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

Result<CleanupOutcome> cleanup_container(const StateDir& dir) {
  auto lock = lock_state_dir(dir, false);
  if (!lock) {
    // Held: a create, start, kill or delete is under way. Gone: someone else removed it.
    if (lock.error().err == EWOULDBLOCK) return CleanupOutcome{Cleanup::busy, "in use"};
    if (lock.error().err == ENOENT) return CleanupOutcome{Cleanup::busy, "removed meanwhile"};
    return std::unexpected(std::move(lock).error());
  }
  auto st = load_state(dir);
  if (!st && st.error().err != ENOENT) return std::unexpected(std::move(st).error());
  if (st) {
    Status status = current_status(dir, *st);
    if (status == Status::created || status == Status::running || status == Status::paused) return CleanupOutcome{Cleanup::alive, ""};
  }
  // Reached before the init of a create that never finished is killed below.
  auto reached = MR_TRY_VALUE(reach_network({.id = dir.id, .state_dir = dir.path(), .pid = st ? st->pid : 0,
                                             .start_time = st ? st->start_time : 0}));
  if (reached.out_of_reach()) return CleanupOutcome{Cleanup::out_of_reach, out_of_reach_text(dir, reached)};
  if (!st) {
    // The create that made the directory died before it saved a state (and so before
    // any network change, which comes after), maybe after it made cgroups.
    MR_TRY(remove_unsaved_cgroups(dir));
    MR_TRY_CTX(teardown_network({.id = dir.id, .state_dir = dir.path()}, &reached), "network teardown");
    MR_TRY(remove_state_dir(dir));
    return CleanupOutcome{Cleanup::removed, "create never saved a state"};
  }
  std::string why = "its init is gone";
  if (st->creating) {
    why = "its create never finished";
    // The lock was free, so the runtime of that create is dead; its init, waiting for
    // that runtime, is of no use.
    if (auto init = open_process(st->pid, st->start_time); init && *init) {
      MR_TRY(pidfd_send_signal((*init)->get(), SIGKILL));
      MR_TRY(pidfd_wait_exit((*init)->get()));
    }
  }
  MR_TRY(destroy_container(dir, *st, &reached));
  return CleanupOutcome{Cleanup::removed, why};
}

}  // namespace mr::runtime
