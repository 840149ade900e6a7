// Handing a seccomp notify fd to the listener named by linux.seccomp.listenerPath, as
// the runtime-spec says and runc does: one message on a new connection to that unix
// socket, the container process state (ociVersion, fds ["seccompFd"], pid, metadata,
// and the container's state) as JSON, with the fd attached (SCM_RIGHTS).
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// `state_json`: the container's state as `state` prints it; `pid`: the process whose
// filter the fd belongs to (the init, or an exec'd process).
Result<void> send_to_seccomp_listener(const oci::Seccomp& s, int notify_fd, pid_t pid, const std::string& state_json);

}  // namespace mr::runtime
