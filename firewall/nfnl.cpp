#include "firewall/nfnl.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <climits>
#include <cstdint>
#include <ctime>
#include <optional>

namespace mr::firewall::nfnl {

namespace {

// The largest nf_tables message: the netlink attribute length is 16 bits, so a set
// element list stays under 64 KiB (ruleset.cpp splits longer ones).
constexpr size_t kMessageRoom = 64 * 1024 + 4096;
constexpr size_t kRecvBuffer = 64 * 1024;

uint32_t first_seq() { return static_cast<uint32_t>(::time(nullptr)); }

// The text of an extended ACK (NLMSGERR_ATTR_MSG), if the kernel sent one.
std::string extack_message(const nlmsghdr* h) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || mnl_nlmsg_get_payload_len(h) < sizeof(nlmsgerr)) return {};
  auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
  size_t offset = sizeof(nlmsgerr);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  if (NLMSG_HDRLEN + offset > h->nlmsg_len) return {};
  std::string text;
  for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(h, offset));
       mnl_attr_ok(a, static_cast<const char*>(mnl_nlmsg_get_payload_tail(h)) - reinterpret_cast<const char*>(a));
       a = mnl_attr_next(a))
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
      text = mnl_attr_get_str(a);
  return text;
}

Error kernel_error(const nlmsghdr* h, int error) {
  Error e = sys_error(-error, "nftables");
  e.kernel_msg = extack_message(h);
  return e;
}

}  // namespace

// Each message is built in a scratch buffer (not cleared: libnftnl writes every byte of
// what it builds) and copied in after it, so that the batch grows by what it holds.
static std::vector<char>& scratch() {
  static thread_local std::vector<char> buf(kMessageRoom);
  return buf;
}

Batch::Batch() : seq_(first_seq()) {
  buf_.reserve(16 * 1024);
  append(nftnl_batch_begin(scratch().data(), seq_++));
}

void Batch::append(const nlmsghdr* nlh) {
  const char* p = reinterpret_cast<const char*>(nlh);
  buf_.insert(buf_.end(), p, p + nlh->nlmsg_len);
  buf_.resize(NLMSG_ALIGN(buf_.size()));
}

void Batch::add(uint16_t type, uint16_t family, uint16_t flags, const std::function<void(nlmsghdr*)>& fill) {
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(scratch().data(), type, family, flags, seq_++);
  fill(nlh);
  append(nlh);
  ++messages_;
}

const std::vector<char>& Batch::finish() {
  if (!finished_) {
    append(nftnl_batch_end(scratch().data(), seq_++));
    finished_ = true;
  }
  return buf_;
}

Result<Socket> Socket::open() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!fd) return fail(errno, "open netfilter netlink socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return fail(errno, "bind netfilter netlink socket");
  int one = 1;
  // Extended ACKs carry the kernel's text for an error; CAP_ACK leaves the request out
  // of it, so that an error about a large element list stays small.
  for (int opt : {NETLINK_EXT_ACK, NETLINK_CAP_ACK})
    if (::setsockopt(fd.get(), SOL_NETLINK, opt, &one, sizeof one) != 0)
      return fail(errno, "set netfilter netlink socket option " + std::to_string(opt));
  Socket s(std::move(fd));
  s.seq_ = first_seq();
  return s;
}

Result<void> Socket::send(const void* data, size_t len) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    if (::sendto(fd_.get(), data, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) >= 0) return {};
    if (errno != EINTR) return fail(errno, "send to nf_tables");
  }
}

// A batch is one transaction only if it arrives in one sendmsg(), which netlink refuses
// (EMSGSIZE) beyond the socket's send buffer (net.core.wmem_default, about 208 KiB): a
// range of 1,000 published ports is 2,000 elements, about 250 KiB. As nft does, the
// buffer is raised to the batch's size first (SO_SNDBUFFORCE: root may pass wmem_max;
// the kernel keeps twice the value for its bookkeeping).
Result<void> Socket::fit_send_buffer(size_t len) {
  int current = 0;
  socklen_t size = sizeof current;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &current, &size) != 0)
    return fail(errno, "read the netfilter socket's send buffer size");
  // The kernel's own check: len > sk_sndbuf - 32.
  if (len + 32 <= static_cast<size_t>(current)) return {};
  if (len > static_cast<size_t>(INT32_MAX / 2)) return fail(EMSGSIZE, "an nf_tables batch of " + std::to_string(len) + " bytes");
  int wanted = static_cast<int>(len + 32);
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUFFORCE, &wanted, sizeof wanted) != 0)
    return fail(errno, "raise the netfilter socket's send buffer to " + std::to_string(wanted) + " bytes");
  return {};
}

Result<void> Socket::commit(Batch& batch) {
  const auto& buf = batch.finish();
  MR_TRY(fit_send_buffer(buf.size()));
  MR_TRY(send(buf.data(), buf.size()));
  if (buf_.empty()) buf_.resize(kRecvBuffer);
  // Only errors are asked for (no NLM_F_ACK), and nfnetlink queues them all before
  // sendmsg() returns: read until the socket is empty.
  std::optional<Error> first;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail(errno, "receive from nf_tables");
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_type != NLMSG_ERROR || mnl_nlmsg_get_payload_len(h) < sizeof(nlmsgerr)) continue;
      int error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h))->error;
      if (error != 0 && !first) first = kernel_error(h, error);
    }
  }
  if (first) return std::unexpected(std::move(*first));
  return {};
}

Result<void> Socket::request(const std::function<nlmsghdr*(char*, uint32_t)>& build, const Reply& on_reply) {
  uint32_t seq = ++seq_;
  nlmsghdr* req = build(scratch().data(), seq);
  if (!(req->nlmsg_flags & NLM_F_DUMP)) req->nlmsg_flags |= NLM_F_ACK;
  MR_TRY(send(req, req->nlmsg_len));
  if (buf_.empty()) buf_.resize(kRecvBuffer);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf_.data(), buf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "receive from nf_tables");
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_seq != seq) continue;  // a late answer to an earlier request
      if (h->nlmsg_type == NLMSG_ERROR) {
        int error = mnl_nlmsg_get_payload_len(h) >= sizeof(nlmsgerr)
                        ? static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h))->error
                        : -EPROTO;
        if (error == 0) return {};
        return std::unexpected(kernel_error(h, error));
      }
      if (h->nlmsg_type == NLMSG_DONE) {  // a dump's end (dumps get no ACK), with its error
        int error = mnl_nlmsg_get_payload_len(h) >= sizeof(int) ? *static_cast<const int*>(mnl_nlmsg_get_payload(h)) : 0;
        if (error != 0) return fail(-error, "nftables dump");
        return {};
      }
      if (on_reply) on_reply(h);
    }
  }
}

}  // namespace mr::firewall::nfnl
