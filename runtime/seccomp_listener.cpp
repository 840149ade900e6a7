#include "runtime/seccomp_listener.hpp"

#include <nlohmann/json.hpp>

#include "runtime/unix_socket.hpp"

namespace mr::runtime {

Result<void> send_to_seccomp_listener(const oci::Seccomp& s, int notify_fd, pid_t pid, const std::string& state_json) {
  nlohmann::json state = nlohmann::json::parse(state_json, nullptr, false);
  if (state.is_discarded()) return fail(EINVAL, "the container's state for the seccomp listener");
  nlohmann::json msg = {{"ociVersion", state.value("ociVersion", "1.2.0")},
                        {"fds", {"seccompFd"}},
                        {"pid", pid},
                        {"state", state}};
  if (!s.listener_metadata.empty()) msg["metadata"] = s.listener_metadata;
  auto sock = MR_TRY_VALUE(connect_unix_socket(s.listener_path, "seccomp listener"));
  return send_fd(sock.get(), notify_fd, msg.dump());
}

}  // namespace mr::runtime
