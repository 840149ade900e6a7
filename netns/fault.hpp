// Fault injection for crash and rollback tests. apply() calls step() before every change
// it makes; in builds with MR_FAULT_INJECTION defined, MR_FAIL_AT_STEP=N in the
// environment makes the Nth call fail as if the kernel had refused that change. In
// other builds step() only counts.
#pragma once

#include <string_view>

#include "netns/error.hpp"

namespace mr::netns {

class FaultInjector {
 public:
  FaultInjector();
  Result<void> step(std::string_view what);
  int steps() const { return steps_; }
  // Whether this build honours MR_FAIL_AT_STEP.
  static constexpr bool enabled() {
#ifdef MR_FAULT_INJECTION
    return true;
#else
    return false;
#endif
  }

 private:
  int steps_ = 0;
  int fail_at_ = 0;
};

}  // namespace mr::netns
