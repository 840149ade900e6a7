// The last steps before a container process runs, shared by the init (create/start)
// and by `exec`: the fds it gets beyond stdio, the executable found in its own PATH.
#pragma once

#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// execvp's lookup, but in the process's own PATH (its env) rather than ours.
Result<std::string> find_executable(const oci::Process& p);

// Clears FD_CLOEXEC on fds 3 .. 3+preserve_fds-1 and sets it on every fd above them.
Result<void> pass_fds(int preserve_fds);

}  // namespace mr::runtime
