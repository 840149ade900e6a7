// The one error type of the project: an errno, what was being done, where in the
// user's input, and what the kernel said about it.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace mr {

struct Error {
  int err = 0;             // errno; 0 when not a kernel failure
  std::string context;     // "move link eth1 to /proc/42/ns/net"
  std::string file;        // input file the error is about, if any
  std::string pointer;     // RFC 6901 pointer into that input, e.g. "/devices/1/addresses/0"
  std::string kernel_msg;  // netlink extended ACK text, if the kernel sent one

  // Prepends context as the error travels up: "outer: inner".
  Error wrap(std::string_view outer) &&;
  // "network.json:/devices/1/addresses/0: move link eth1: File exists (kernel: ...)"
  std::string message() const;
};

template <class T>
using Result = std::expected<T, Error>;

// An error carrying errno and context.
Error sys_error(int err, std::string context);
// The same, wrapped for returning from a Result function.
inline std::unexpected<Error> fail(int err, std::string context) {
  return std::unexpected(sys_error(err, std::move(context)));
}
// Places `e` at `origin`, where in the user's input the failed setting was written: a
// JSON reference "FILE#POINTER" ("network.json#/devices/1", see netspec/origin.hpp) or a
// bare pointer, with `sub` ("/addresses/0") appended to the pointer. A refusal of the
// kernel then reads like an input error: "network.json:/devices/1/addresses/0: ...".
// An error that already names a place keeps it.
Error at_origin(Error e, std::string_view origin, std::string_view sub = {});

// An input error (no errno) at a JSON pointer of a file.
inline std::unexpected<Error> fail_input(std::string pointer, std::string what) {
  Error e;
  e.pointer = std::move(pointer);
  e.context = std::move(what);
  return std::unexpected(std::move(e));
}

}  // namespace mr

// Returns the error of a Result expression upward, optionally with context.
#define MR_TRY(expr)                                               \
  do {                                                             \
    if (auto mr_try_r_ = (expr); !mr_try_r_)                       \
      return std::unexpected(std::move(mr_try_r_).error());        \
  } while (0)

#define MR_TRY_CTX(expr, ctx)                                          \
  do {                                                                 \
    if (auto mr_try_r_ = (expr); !mr_try_r_)                           \
      return std::unexpected(std::move(mr_try_r_).error().wrap(ctx));  \
  } while (0)

// Yields the value of a Result expression, or returns its error (GNU statement expression).
#define MR_TRY_VALUE(expr)                                         \
  ({                                                               \
    auto mr_try_v_ = (expr);                                       \
    if (!mr_try_v_) return std::unexpected(std::move(mr_try_v_).error()); \
    std::move(*mr_try_v_);                                         \
  })
