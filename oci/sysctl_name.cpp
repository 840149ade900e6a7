#include "oci/sysctl_name.hpp"

#include <algorithm>
#include <array>

namespace mr::oci {

std::optional<std::string_view> sysctl_namespace(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kIpc = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (key.starts_with("net.")) return "network";
  if (key.starts_with("fs.mqueue.")) return "ipc";
  if (std::find(kIpc.begin(), kIpc.end(), key) != kIpc.end()) return "ipc";
  if (key == "kernel.hostname" || key == "kernel.domainname") return "uts";
  return std::nullopt;
}

bool is_valid_sysctl_name(std::string_view key) {
  if (key.empty() || key.find('/') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    std::string_view part = key.substr(start, dot == std::string_view::npos ? key.npos : dot - start);
    if (part.empty()) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace mr::oci
