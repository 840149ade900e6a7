// The engine's side of --console-socket: a unix socket the test listens on, and the pty
// master a runtime sends through it (SCM_RIGHTS), as conmon receives it.
#pragma once

#include <string>

#include "base/unique_fd.hpp"

namespace mr::test {

class ConsoleSocket {
 public:
  explicit ConsoleSocket(const std::string& path);
  const std::string& path() const { return path_; }
  // Accepts the runtime's connection and returns the fd it sent.
  UniqueFd receive_master();

 private:
  std::string path_;
  UniqueFd listener_;
};

// Everything a pty master gives until its other side is closed by all (EIO).
std::string read_pty(int master);

}  // namespace mr::test
