// Seeing who holds and who waits for a flock(2), from the kernel's lock table
// (/proc/locks): a blocked waiter is listed with "->" before its lock type. A test that
// holds a directory's lock uses this to know that a concurrent command has reached the
// lock and is blocked on it, instead of guessing with a sleep.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/unique_fd.hpp"

namespace mr::test {

// The flock a command under test takes on a directory (base/dir_lock.hpp), taken here
// by the test itself with the plain syscalls.
UniqueFd hold_directory_lock(const std::string& dir);

// A file as /proc/locks names it: device and inode.
struct FileId {
  unsigned major = 0, minor = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};
FileId file_id(const std::string& path);

// The pid holding a flock on `file`, if any.
std::optional<pid_t> flock_holder(const FileId& file);

// Returns once /proc/locks lists `count` processes blocked on a flock of `file`: re-reads
// the table (yielding the CPU between reads) until they appear; fails the test after
// `timeout_seconds`.
void wait_for_flock_waiters(const FileId& file, int count = 1, int timeout_seconds = 20);

}  // namespace mr::test
