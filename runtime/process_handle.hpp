// A container's init, found again by later commands from its pid and the start time
// the kernel recorded for it (/proc/PID/stat field 22), so that a reused pid is never
// mistaken for the container. Signals go through a pidfd opened after that check, so
// the pid cannot be reused between the check and the signal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "base/error.hpp"
#include "base/proc_stat.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {



// A pidfd for `pid` if it is still the process that started at `start_time` and has
// not exited; empty when it is gone (or is a zombie, or the pid was reused).
Result<std::optional<UniqueFd>> open_process(pid_t pid, uint64_t start_time);

Result<UniqueFd> pidfd_open(pid_t pid);
Result<void> pidfd_send_signal(int pidfd, int sig);
// Blocks until the process behind the pidfd has exited.
Result<void> pidfd_wait_exit(int pidfd);

}  // namespace mr::runtime
