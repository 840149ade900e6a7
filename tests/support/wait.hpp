// The one waiter of the tests: until an fd is ready, on the kernel's word (poll(2)), never
// a sleep. A pidfd polls readable once its process has exited; a pipe once its writer
// wrote or closed; a listening socket once a connection is queued.
#pragma once

#include <errno.h>
#include <poll.h>

namespace mr::test {

// Whether `fd` became ready for `events` within `timeout_ms` (-1: no limit).
inline bool wait_ready(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  int n;
  while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  return n == 1;
}

}  // namespace mr::test
