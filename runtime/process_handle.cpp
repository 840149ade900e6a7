#include "runtime/process_handle.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace mr::runtime {

Result<UniqueFd> pidfd_open(pid_t pid) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return fail(errno, "pidfd_open " + std::to_string(pid));
  return UniqueFd(fd);
}

Result<std::optional<UniqueFd>> open_process(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return std::optional<UniqueFd>{};
  auto fd = pidfd_open(pid);
  if (!fd) {
    if (fd.error().err == ESRCH) return std::optional<UniqueFd>{};
    return std::unexpected(std::move(fd).error());
  }
  // Checked after opening the pidfd: if the stat still matches now, the pidfd refers
  // to the container's process and stays bound to it.
  auto st = read_proc_stat(pid);
  if (!st) return std::optional<UniqueFd>{};
  if (!st->still_runs(start_time)) return std::optional<UniqueFd>{};
  return std::optional<UniqueFd>(std::move(*fd));
}

Result<void> pidfd_send_signal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0)
    return fail(errno, "send signal " + std::to_string(sig));
  return {};
}

Result<void> pidfd_wait_exit(int pidfd) {
  // A pidfd polls readable once its process has exited (pidfd_poll()).
  pollfd p{.fd = pidfd, .events = POLLIN};
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) return fail(errno, "wait for process exit");
  }
  return {};
}

}  // namespace mr::runtime
