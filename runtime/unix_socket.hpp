// The unix sockets the runtime hands file descriptors through: the engine's console
// socket (process.terminal), the seccomp listener, the init's sync socket.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {

// A SOCK_STREAM connection to `path`; `what` names it in errors ("console socket").
Result<UniqueFd> connect_unix_socket(const std::string& path, const std::string& what);

// Sends `fd` (SCM_RIGHTS) with `payload` as the message's data.
Result<void> send_fd(int socket, int fd, const std::string& payload);

}  // namespace mr::runtime
