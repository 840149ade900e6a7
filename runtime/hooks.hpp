// OCI hooks: each gets the container's state JSON on stdin; `timeout` seconds are
// honoured by killing the hook. Which namespace a hook runs in is decided by who calls
// run_hooks (the runtime process, or the container's init).
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


Result<void> run_hook(const oci::Hook& hook, const std::string& state_json);
// Runs the hooks in order and stops at the first failure, naming the phase.
Result<void> run_hooks(const std::vector<oci::Hook>& hooks, const char* phase, const std::string& state_json);
// Runs them all, logging failures as warnings (poststart, poststop).
void run_hooks_warn(const std::vector<oci::Hook>& hooks, const char* phase, const std::string& state_json);

}  // namespace mr::runtime
