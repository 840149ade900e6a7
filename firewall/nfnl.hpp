// nf_tables over netlink (NETLINK_NETFILTER): the batch that the kernel takes as one
// transaction (NFNL_MSG_BATCH_BEGIN ... END, all of it or nothing), and the socket that
// sends it and single requests. Messages are built with libnftnl; no cache, no listing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

struct nlmsghdr;

namespace mr::firewall::nfnl {

class Batch {
 public:
  Batch();
  // Appends one message of `type` (NFT_MSG_*) for `family` with `flags`; `fill` puts in
  // its payload (a libnftnl *_nlmsg_build_payload). One message may hold up to 64 KiB.
  void add(uint16_t type, uint16_t family, uint16_t flags, const std::function<void(nlmsghdr*)>& fill);
  size_t size() const { return messages_; }
  // The whole batch, BATCH_END included; the batch cannot grow afterwards.
  const std::vector<char>& finish();

 private:
  void append(const nlmsghdr* nlh);
  std::vector<char> buf_;
  uint32_t seq_ = 0;
  size_t messages_ = 0;
  bool finished_ = false;
};

// A netfilter netlink socket in the network namespace of the thread that opened it.
class Socket {
 public:
  static Result<Socket> open();

  // Sends the batch as one transaction. The kernel handles it inside sendmsg() and
  // queues its answers before returning, so they are all read without waiting: the
  // first error (errno and the extended ACK's text) fails the whole, as it failed in the
  // kernel.
  Result<void> commit(Batch& batch);

  // One request (not in a batch): its replies go to on_reply until the ACK, or NLMSG_DONE
  // of a dump (flags NLM_F_DUMP). `build` makes the message in the buffer it is given.
  using Reply = std::function<void(const nlmsghdr*)>;
  Result<void> request(const std::function<nlmsghdr*(char* buf, uint32_t seq)>& build, const Reply& on_reply);

 private:
  explicit Socket(UniqueFd fd) : fd_(std::move(fd)) {}
  Result<void> fit_send_buffer(size_t len);
  Result<void> send(const void* data, size_t len);
  UniqueFd fd_;
  uint32_t seq_ = 0;
  std::vector<char> buf_;
};

}  // namespace mr::firewall::nfnl
