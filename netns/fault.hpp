// Fault injection for crash and rollback tests. apply() calls step() before every change
// it makes (after recording its undo); in builds with MR_FAULT_INJECTION defined, the
// environment picks one step to disturb:
//   MR_FAIL_AT_STEP=N   the Nth call fails as if the kernel had refused that change;
//   MR_PAUSE_AT_STEP=N  the Nth call writes one byte to the fd named by MR_PAUSE_FD and
//                       blocks for good, so that a test can wait on that byte and then
//                       SIGKILL the process: a crash exactly between two steps. With
//                       MR_RESUME_FD too, it blocks until it reads a byte (or end of file)
//                       from that fd and then goes on: a test can run something else
//                       exactly between two steps.
// Undo (teardown.hpp) has a pause of its own, MR_PAUSE_AT_UNDO_STEP=N (with MR_PAUSE_FD),
// so that a delete can be killed half way; it never fails on purpose. `start` has one
// pause too, MR_PAUSE_IN_START=1: its answer from the init read, exec.fifo not yet removed.
// And the return of a lent device, MR_PAUSE_IN_RETURN=N: the Nth device found in the
// container, proven, and not yet moved (a test swaps it there).
// MR_PAUSE_IN_STATE_FILE=N pauses the runtime's Nth atomic file write (state.json,
// resolv.conf, hosts, ...) with its temporary file written and not yet renamed.
// In other builds step() only counts.
#pragma once

#include <string_view>

#include "netns/error.hpp"

namespace mr::netns {

class FaultInjector {
 public:
  FaultInjector();
  // The injector of undo steps: pauses only, at MR_PAUSE_AT_UNDO_STEP.
  static FaultInjector for_undo();
  // The injector of `start`: pauses only, at MR_PAUSE_IN_START.
  static FaultInjector for_start();
  // The injector of a lent device's return: pauses only, at MR_PAUSE_IN_RETURN.
  static FaultInjector for_return();
  // The injector of the runtime's atomic file writes: pauses only, at MR_PAUSE_IN_STATE_FILE.
  static FaultInjector for_state_files();
  Result<void> step(std::string_view what);
  int steps() const { return steps_; }
  // Whether this build honours MR_FAIL_AT_STEP and MR_PAUSE_AT_STEP.
  static constexpr bool enabled() {
#ifdef MR_FAULT_INJECTION
    return true;
#else
    return false;
#endif
  }

 private:
  FaultInjector(const char* fail_env, const char* pause_env);
  int steps_ = 0;
  int fail_at_ = 0;
  int pause_at_ = 0;
  int pause_fd_ = -1;
  int resume_fd_ = -1;
};

}  // namespace mr::netns
