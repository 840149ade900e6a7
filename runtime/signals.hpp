// Signal names as `kill` takes them ("TERM", "SIGTERM", "15", "RTMIN+3"), and the
// forwarding of a foreground `run` or `exec`: every signal the runtime gets goes to the
// workload, whose exit status becomes the runtime's.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string_view>

#include "base/error.hpp"

namespace mr::runtime {

Result<int> parse_signal(std::string_view text);

// The signals a foreground run or exec forwards: all but SIGKILL, SIGSTOP and the
// faults the kernel raises for the runtime's own bugs (SIGSEGV, SIGBUS, ...). They are
// blocked before the workload is forked, so that none meant for it is lost, and read
// from a signalfd; the workload unblocks them before exec.
sigset_t forwarded_signals();
// runc's exit status: the code, or 128+N for a process killed by signal N.
int exit_status(int wait_status);
// Waits for `target` (our child, not reaped before this returns, so its pid cannot be
// reused), forwarding every signal but SIGCHLD to it and reaping whatever else ends;
// returns its exit_status().
Result<int> wait_forwarding(int sigfd, pid_t target);

}  // namespace mr::runtime
