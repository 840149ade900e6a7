// process.terminal: the container's init makes a pseudo-terminal in the container's
// own devpts, makes it its controlling terminal and stdio, and sends the master side
// to the engine through --console-socket (SCM_RIGHTS), as runc does.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {


// Connects to the engine's console socket (done by the runtime, before any namespace).
Result<UniqueFd> connect_console_socket(const std::string& path);
// In the init, after pivot_root: /dev/ptmx is the container's.
Result<void> setup_terminal(int console_socket);
// Sends `fd` with `name` as the message over a unix socket.
Result<void> send_fd(int socket, int fd, const std::string& name);

}  // namespace mr::runtime
