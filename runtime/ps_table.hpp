// The table `ps -ef` prints (UID PID PPID C STIME TTY TIME CMD), read from /proc for the
// given pids: runc's `ps` runs the ps program, mini-runc runs no program.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mr::runtime {

// Header and one line per pid still there (a pid gone meanwhile is left out).
std::string render_ps_table(const std::vector<pid_t>& pids);

}  // namespace mr::runtime
