#include "oci/joined_namespaces.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <utility>

#include "base/unique_fd.hpp"
#include "oci/json_input.hpp"
#include "oci/sysctl_name.hpp"

namespace mr::oci {

namespace {

// linux.namespaces types and their names under /proc/PID/ns.
constexpr std::array<std::pair<std::string_view, const char*>, 7> kProcNames = {{
    {"network", "net"}, {"mount", "mnt"}, {"uts", "uts"}, {"ipc", "ipc"},
    {"pid", "pid"}, {"cgroup", "cgroup"}, {"time", "time"},
}};

// What `cfg` changes in its namespace of `type`, for the message; "" for nothing.
std::string changes_through(const Config& cfg, std::string_view type) {
  if (type == "mount") return "the container's mounts and pivot_root";
  if (type == "uts") {
    if (!cfg.hostname.empty()) return "hostname \"" + cfg.hostname + "\"";
    if (!cfg.domainname.empty()) return "domainname \"" + cfg.domainname + "\"";
  }
  for (const auto& [key, value] : cfg.linux.sysctl)
    if (sysctl_namespace(key) == type) return "linux.sysctl \"" + key + "\"";
  return {};
}

// Whether `path` names the namespace of `type` this process is in. O_PATH: nothing is
// read, and a FIFO planted as the path does not block the open.
bool is_own(std::string_view type, const std::string& path) {
  const char* proc_name = nullptr;
  for (auto [t, name] : kProcNames)
    if (t == type) proc_name = name;
  if (!proc_name) return false;
  UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  struct stat joined{}, own{};
  if (!fd || ::fstat(fd.get(), &joined) != 0) return false;
  if (::stat((std::string("/proc/thread-self/ns/") + proc_name).c_str(), &own) != 0) return false;
  return joined.st_dev == own.st_dev && joined.st_ino == own.st_ino;
}

}  // namespace

std::vector<Error> check_joined_namespaces(const Config& cfg, const std::string& file) {
  std::vector<Error> out;
  const auto& list = cfg.linux.namespaces;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].path.empty()) continue;
    std::string change = changes_through(cfg, list[i].type);
    if (change.empty() || !is_own(list[i].type, list[i].path)) continue;
    out.push_back(input_error(file, pointer_append("/linux/namespaces", i),
                              "\"" + list[i].path + "\" is the runtime's own " + list[i].type + " namespace: " +
                                  change + " would change the host; join a namespace that is not the runtime's, "
                                  "or drop the path to give the container its own"));
  }
  return out;
}

}  // namespace mr::oci
