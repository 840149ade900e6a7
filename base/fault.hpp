// Fault injection points for crash and rollback tests. A piece of code that wants to be
// disturbed calls step() before each change it makes; in builds with MR_FAULT_INJECTION
// defined, the environment picks one step:
//   FAIL_ENV=N    the Nth call fails as if the kernel had refused that change;
//   PAUSE_ENV=N   the Nth call writes one byte to the fd named by MR_PAUSE_FD and blocks
//                 for good, so that a test can wait on that byte and then SIGKILL the
//                 process: a crash exactly between two steps. With MR_RESUME_FD too, it
//                 blocks until it reads a byte (or end of file) from that fd and goes on:
//                 a test can run something else exactly between two steps.
// The default injector reads MR_FAIL_AT_STEP and MR_PAUSE_AT_STEP (the steps of a network
// setup); pausing_at() makes one that only pauses, at a variable its user names (the
// users list theirs beside the call). In other builds step() only counts.
#pragma once

#include <string_view>

#include "base/error.hpp"

namespace mr {

class FaultInjector {
 public:
  FaultInjector();
  // An injector that never fails and pauses at the step named by `pause_env`.
  static FaultInjector pausing_at(const char* pause_env);
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

}  // namespace mr
