// Network namespace handles. A Netns owns an fd that keeps its namespace alive and
// remembers where it came from, for error messages. Nothing here changes the namespace
// of the calling thread behind the caller's back: enter() returns a guard that goes back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

// What tells one network namespace from every other while the machine runs: the
// kernel's cookie (SO_NETNS_COOKIE, socket(7); a 64-bit counter never given twice), and
// the nsfs device and inode, which a namespace made after this one is freed may get
// again: they are compared only when either side has no cookie (kernels before 5.14).
struct NetnsIdentity {
  uint64_t cookie = 0;
  dev_t dev = 0;
  ino_t ino = 0;

  bool same_as(const NetnsIdentity& o) const {
    if (cookie && o.cookie) return cookie == o.cookie;
    return dev == o.dev && ino == o.ino;
  }
  // "cookie N dev N inode N", as kept in a state directory and read back by parse().
  std::string to_string() const;
  static Result<NetnsIdentity> parse(std::string_view text);
};

class Netns {
 public:
  // The calling thread's network namespace.
  static Result<Netns> current();
  // A new, empty network namespace (only its loopback, down). The calling thread stays
  // in the namespace it was in.
  static Result<Netns> create();
  // The network namespace of a process.
  static Result<Netns> open_pid(pid_t pid);
  // A namespace file: /proc/PID/ns/net, a bind mount made by pin(), /run/netns/NAME.
  static Result<Netns> open_path(const std::string& path);
  // The network namespace a socket belongs to (SIOCGSKNS), called `name` in messages.
  static Result<Netns> of_socket(int sock, std::string name);

  int fd() const { return fd_.get(); }
  // Where this namespace came from ("/proc/42/ns/net", "new netns 4026532301").
  const std::string& name() const { return name_; }
  // The namespace's inode number: equal inodes are the same namespace.
  Result<ino_t> inode() const;
  // Its identity, the cookie read through `sock_in_it`, a socket made in this namespace
  // (a socket keeps the namespace it was made in).
  Result<NetnsIdentity> identity(int sock_in_it) const;

  // Keeps the namespace alive after every process and fd in it is gone, by bind-mounting
  // it on `path` (created as an empty file if missing).
  Result<void> pin(const std::string& path) const;
  // Undoes pin(): detaches the bind mount and removes the file. A path that is not
  // there is not an error, so that undo can be repeated.
  static Result<void> unpin(const std::string& path);
  // Makes `dir`, where pins are made, a mount point with shared propagation, as `ip netns`
  // does for /run/netns: a pin made there then appears in every mount namespace that is a
  // peer (or slave) of this one, so that `delete` run from another mount namespace than
  // `create` finds it. A bind mount of `dir` onto itself first when it is no mount point.
  static Result<void> share_pin_directory(const std::string& dir);

 private:
  Netns(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;
};

// While alive, the calling thread is inside another network namespace; the destructor
// takes it back. setns(CLONE_NEWNET) affects only the calling thread.
class NetnsGuard {
 public:
  NetnsGuard(NetnsGuard&& o) noexcept : saved_(std::move(o.saved_)) {}
  NetnsGuard& operator=(NetnsGuard&&) = delete;
  ~NetnsGuard();

 private:
  friend Result<NetnsGuard> enter(const Netns& ns);
  friend class Netns;
  explicit NetnsGuard(UniqueFd saved) : saved_(std::move(saved)) {}
  UniqueFd saved_;
};

Result<NetnsGuard> enter(const Netns& ns);

// Runs f() inside `ns` and comes back. f returns a Result<T> or a plain value.
template <class F>
auto run_in(const Netns& ns, F&& f) {
  using R = std::invoke_result_t<F>;
  if constexpr (requires(R r) { r.has_value(); r.error(); }) {
    auto guard = enter(ns);
    if (!guard) return R(std::unexpected(std::move(guard).error()));
    return std::forward<F>(f)();
  } else if constexpr (std::is_void_v<R>) {
    auto guard = enter(ns);
    if (!guard) return Result<void>(std::unexpected(std::move(guard).error()));
    std::forward<F>(f)();
    return Result<void>{};
  } else {
    auto guard = enter(ns);
    if (!guard) return Result<R>(std::unexpected(std::move(guard).error()));
    return Result<R>(std::forward<F>(f)());
  }
}

}  // namespace mr::netns
