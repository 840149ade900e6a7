// The channel between the runtime and the container's init while it is being created:
// a SOCK_SEQPACKET socketpair, so each message arrives whole, and a peer that dies
// shows up as end-of-file instead of a hang. No sleeps or polling anywhere: each side
// blocks on the next message.
#pragma once

#include <optional>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {


enum class SyncTag : char {
  placed = 'c',    // runtime -> stage 1 or init: in the container's cgroups (may unshare CLONE_NEWCGROUP)
  userns = 'U',    // stage 1 -> runtime: in its new user namespace, waiting for its maps
  mapped = 'u',    // runtime -> stage 1: uid_map and gid_map written
  init_pid = 'P',  // stage 1 -> runtime: the init's pid, as the runtime sees it
  joined = 'J',    // init -> runtime, when cloned directly: in the namespaces given by path
  mounted = 'M',   // init -> runtime: its root filesystem is mounted (not yet pivoted into)
  go = 'G',        // runtime -> init: namespaces configured; payload: state JSONs for hooks
  created = 'C',   // init -> runtime: ready, about to wait for `start`
  seccomp_fd = 'S',    // init or exec'd process -> runtime: the seccomp notify fd (SCM_RIGHTS)
  seccomp_done = 'D',  // runtime -> init or exec'd process: the listener has the fd
  error = 'E',     // either way: payload is the error text
};

struct SyncMessage {
  SyncTag tag;
  std::string payload;
  UniqueFd fd;  // a file descriptor sent with it (sync_send_fd), else none
};

struct SyncPair {
  UniqueFd runtime_end;
  UniqueFd init_end;
};

Result<SyncPair> make_sync_pair();
Result<void> sync_send(int fd, SyncTag tag, const std::string& payload = {});
// A message with no payload that carries `passed` (SCM_RIGHTS).
Result<void> sync_send_fd(int fd, SyncTag tag, int passed);
// EPIPE when the other side closed its end (exited) without a message.
Result<SyncMessage> sync_recv(int fd);
// An error message the other side has already sent, without waiting for one.
std::optional<Error> pending_error(int fd);
// Receives a message and turns an error message into an Error.
Result<std::string> sync_expect(int fd, SyncTag tag, const std::string& waiting_for);
// The same, with the whole message (and the fd it carries, if any).
Result<SyncMessage> sync_expect_message(int fd, SyncTag tag, const std::string& waiting_for);

}  // namespace mr::runtime
