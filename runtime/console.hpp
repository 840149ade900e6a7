// process.terminal: the container's init makes a pseudo-terminal in the container's
// own devpts, makes it its controlling terminal and stdio, and sends the master side
// to the engine through --console-socket (SCM_RIGHTS), as runc does.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {

// The engine's console socket is connected by the runtime, before any namespace
// (connect_unix_socket).
// In the init, after pivot_root: /dev/ptmx is the container's.
Result<void> setup_terminal(int console_socket);

}  // namespace mr::runtime
