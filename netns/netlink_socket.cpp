#include "netns/netlink_socket.hpp"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <ctime>

#include "netns/namespace.hpp"

namespace mr::netns {

namespace {

// The kernel sends dump parts of at most 32 KiB (netlink_dump caps max_recvmsg_len).
constexpr size_t kRecvBuffer = 32 * 1024;

Result<UniqueFd> make_socket() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return fail(errno, "open rtnetlink socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return fail(errno, "bind rtnetlink socket");
  int one = 1;
  // Extended ACKs carry the kernel's text for an error; CAP_ACK leaves the request out
  // of the ACK; STRICT_CHK makes dumps honour the header's filters (ifindex, family).
  for (int opt : {NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK})
    if (::setsockopt(fd.get(), SOL_NETLINK, opt, &one, sizeof one) != 0)
      return fail(errno, "set rtnetlink socket option " + std::to_string(opt));
  return fd;
}

// The text of an extended ACK (NLMSGERR_ATTR_MSG), if the kernel sent one. Its TLVs
// follow the nlmsgerr of an NLMSG_ERROR (and the echoed request, unless capped), or the
// error number of a dump's NLMSG_DONE (netlink_dump_done()).
std::string extack_message(const nlmsghdr* h) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  size_t offset = sizeof(int);
  if (h->nlmsg_type == NLMSG_ERROR) {
    if (mnl_nlmsg_get_payload_len(h) < sizeof(nlmsgerr)) return {};
    auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
    offset = sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  }
  if (NLMSG_HDRLEN + offset > h->nlmsg_len) return {};
  auto attrs = nl::parse_attrs<NLMSGERR_ATTR_MAX>(h, offset);
  const nlattr* msg = attrs[NLMSGERR_ATTR_MSG];
  if (!msg || mnl_attr_validate(msg, MNL_TYPE_NUL_STRING) < 0) return {};
  return mnl_attr_get_str(msg);
}

}  // namespace

Result<NlSocket> NlSocket::open() {
  auto fd = MR_TRY_VALUE(make_socket());
  return NlSocket(std::move(fd), "current netns");
}

Result<NlSocket> NlSocket::open_in(const Netns& ns) {
  // A netlink socket belongs to the namespace it was created in, for its whole life.
  auto fd = MR_TRY_VALUE(run_in(ns, make_socket));
  return NlSocket(std::move(fd), ns.name());
}

Result<void> NlSocket::call(nl::Message& m, const ReplyFn& on_reply) {
  m.header()->nlmsg_flags |= NLM_F_ACK;
  return exchange(m, on_reply);
}

Result<void> NlSocket::dump(nl::Message& m, const ReplyFn& on_reply) {
  m.header()->nlmsg_flags |= NLM_F_DUMP;
  return exchange(m, on_reply);
}

Result<void> NlSocket::exchange(nl::Message& m, const ReplyFn& on_reply) {
  if (m.overflowed()) return fail(EMSGSIZE, "netlink request too large");
  if (seq_ == 0) seq_ = static_cast<uint32_t>(::time(nullptr));
  nlmsghdr* req = m.header();
  req->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), req, req->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return fail(errno, "send netlink request");
  if (buf_.empty()) buf_.resize(kRecvBuffer);

  bool interrupted = false;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf_.data(), buf_.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "receive netlink reply");
    }
    if (static_cast<size_t>(n) > buf_.size()) return fail(EMSGSIZE, "netlink reply truncated");
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); mnl_nlmsg_ok(h, len);
         h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_seq != req->nlmsg_seq) continue;  // a late reply to an earlier request
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
        int error = 0;
        if (mnl_nlmsg_get_payload_len(h) >= sizeof(int))
          error = *static_cast<const int*>(mnl_nlmsg_get_payload(h));
        if (h->nlmsg_type == NLMSG_ERROR && error == 0) return {};  // the ACK
        if (error != 0) {
          Error e = sys_error(-error, "");
          e.kernel_msg = extack_message(h);
          return std::unexpected(std::move(e));
        }
        if (interrupted) return fail(EAGAIN, "netlink dump interrupted by a concurrent change");
        return {};  // NLMSG_DONE of a dump
      }
      if (on_reply) on_reply(h);
    }
  }
}

}  // namespace mr::netns
