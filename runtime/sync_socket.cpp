#include "runtime/sync_socket.hpp"

#include <sys/socket.h>

#include "runtime/unix_socket.hpp"

#include <cstring>
#include <vector>

namespace mr::runtime {

Result<SyncPair> make_sync_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    return fail(errno, "socketpair for the container's init");
  return SyncPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> sync_send(int fd, SyncTag tag, const std::string& payload) {
  std::string msg(1, static_cast<char>(tag));
  msg += payload;
  ssize_t n;
  while ((n = ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(msg.size())) return fail(n < 0 ? errno : EIO, "send to the sync socket");
  return {};
}

Result<void> sync_send_fd(int fd, SyncTag tag, int passed) {
  return send_fd(fd, passed, std::string(1, static_cast<char>(tag)));
}

Result<SyncMessage> sync_recv(int fd) {
  // MSG_PEEK | MSG_TRUNC gives the whole message's length (unix_dgram_recvmsg() on a
  // SOCK_SEQPACKET socket), so the buffer is as large as the message and no larger.
  ssize_t n;
  char probe;
  while ((n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail(errno, "receive from the sync socket");
  if (n == 0) return fail(EPIPE, "the other side exited");
  std::vector<char> buf(static_cast<std::size_t>(n));
  iovec iov{.iov_base = buf.data(), .iov_len = buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  while ((n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return fail(errno, "receive from the sync socket");
  if (n == 0) return fail(EPIPE, "the other side exited");
  SyncMessage out{static_cast<SyncTag>(buf[0]), std::string(buf.data() + 1, static_cast<std::size_t>(n - 1)), {}};
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) continue;
    int passed;
    std::memcpy(&passed, CMSG_DATA(c), sizeof passed);
    out.fd = UniqueFd(passed);
  }
  return out;
}

std::optional<Error> pending_error(int fd) {
  char tag = 0;
  if (::recv(fd, &tag, 1, MSG_PEEK | MSG_DONTWAIT) != 1 || tag != static_cast<char>(SyncTag::error))
    return std::nullopt;
  auto m = sync_recv(fd);
  if (!m) return std::nullopt;
  return sys_error(0, m->payload);
}

Result<SyncMessage> sync_expect_message(int fd, SyncTag tag, const std::string& waiting_for) {
  auto m = sync_recv(fd);
  if (!m) return std::unexpected(std::move(m).error().wrap("wait for " + waiting_for));
  if (m->tag == SyncTag::error) return fail(0, m->payload);
  if (m->tag != tag) return fail(EPROTO, "wait for " + waiting_for + ": unexpected message");
  return std::move(*m);
}

Result<std::string> sync_expect(int fd, SyncTag tag, const std::string& waiting_for) {
  auto m = MR_TRY_VALUE(sync_expect_message(fd, tag, waiting_for));
  return std::move(m.payload);
}

}  // namespace mr::runtime
