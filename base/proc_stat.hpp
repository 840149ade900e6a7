// A process as /proc/PID/stat describes it: its state, and the start time that tells it
// from a later process given the same pid (field 22).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "base/error.hpp"

namespace mr {

struct ProcStat {
  char state = '?';          // R, S, D, Z, ...
  uint64_t start_time = 0;   // clock ticks after boot

  // Whether this is the process that started at `started` and has not exited yet.
  bool still_runs(uint64_t started) const { return start_time == started && state != 'Z' && state != 'X'; }
};

// Fields of /proc/PID/stat; ENOENT when there is no such process.
Result<ProcStat> read_proc_stat(pid_t pid);

}  // namespace mr
