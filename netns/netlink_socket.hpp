// An rtnetlink socket bound to one network namespace. Open one per namespace and send
// every request for that namespace through it: no setns() per request.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/netlink_message.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

class Netns;

class NlSocket {
 public:
  // A socket in the calling thread's namespace.
  static Result<NlSocket> open();
  // A socket in `ns`: made inside it, then usable from anywhere.
  static Result<NlSocket> open_in(const Netns& ns);

  // Sends a request and waits for the kernel's ACK. Replies before the ACK (a GET's
  // answer, each part of a dump) go to on_reply. Errors carry the kernel's errno and
  // its extended-ACK message.
  using ReplyFn = std::function<void(const nlmsghdr*)>;
  Result<void> call(nl::Message& m, const ReplyFn& on_reply = {});
  // The same for NLM_F_DUMP requests, which end with NLMSG_DONE. A dump that the kernel
  // marks interrupted (the table changed meanwhile) fails with EAGAIN.
  Result<void> dump(nl::Message& m, const ReplyFn& on_reply);

  // The namespace this socket talks to, for error messages.
  const std::string& where() const { return where_; }
  int fd() const { return fd_.get(); }

 private:
  NlSocket(UniqueFd fd, std::string where) : fd_(std::move(fd)), where_(std::move(where)) {}
  Result<void> exchange(nl::Message& m, const ReplyFn& on_reply);

  UniqueFd fd_;
  std::string where_;
  uint32_t seq_ = 0;
  std::vector<char> buf_;
};

}  // namespace mr::netns
