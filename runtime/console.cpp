#include "runtime/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace mr::runtime {

Result<UniqueFd> connect_console_socket(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "console socket " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail(errno, "connect to console socket " + path);
  return fd;
}

Result<void> send_fd(int socket, int fd, const std::string& name) {
  iovec iov{.iov_base = const_cast<char*>(name.data()), .iov_len = name.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) return fail(errno, "send the terminal to the console socket");
  return {};
}

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
