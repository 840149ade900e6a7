#include "runtime/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>


#include "runtime/unix_socket.hpp"

namespace mr::runtime {

Result<void> setup_terminal(int console_socket) {
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return fail(errno, "open /dev/ptmx (is devpts mounted on /dev/pts?)");
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) return fail(errno, "unlock the pseudo-terminal");
  // TIOCGPTPEER opens the peer through the master itself, never by a path that the
  // container's files could redirect.
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return fail(errno, "open the terminal's peer");
  MR_TRY(send_fd(console_socket, master.get(), "/dev/ptmx"));
  if (::setsid() < 0) return fail(errno, "setsid");
  if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) return fail(errno, "make the terminal the controlling one");
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave.get(), fd) < 0) return fail(errno, "terminal as stdio");
  return {};
}

}  // namespace mr::runtime
