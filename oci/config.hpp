// The OCI runtime config (config.json) that mini-runc supports, as plain C++ structures.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "oci/id_mapping.hpp"
#include "oci/seccomp_config.hpp"

// GNU mode (-std=gnu++23, needed for the statement expressions of MR_TRY_VALUE)
// predefines the legacy macro `linux` as 1, which would break Config::linux below.
// Nothing should test it (the portable spelling is __linux__).
#undef linux

namespace mr::oci {


// mounts[].uidMappings/gidMappings and the idmap/ridmap options: a bind mount whose
// files' owners are seen through the mapping (runtime/idmap_mount.hpp).
struct MountIdmap {
  std::vector<IdMapping> uid, gid;
  bool recursive = false;  // "ridmap": every mount of an rbind tree is mapped, not only its top
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  std::optional<MountIdmap> idmap;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

struct Process {
  bool terminal = false;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
};

struct Root {
  std::string path;  // as written; relative paths are relative to the bundle
  bool readonly = false;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
};

struct Namespace {
  std::string type;  // "network", "mount", "pid", "uts", "ipc", ...
  std::string path;  // join this namespace instead of making a new one
};

// linux.netDevices: a host device moved into the container, renamed to `name` (the
// map key is the host name). runtime-spec 1.2.
struct NetDevice {
  std::string host_name;
  std::string name;  // "" keeps the host name
};

// linux.devices: a node made in the container's /dev.
struct Device {
  std::string path;  // absolute, under /dev
  char type = 'c';   // c, b, u (unbuffered character, made as c) or p (FIFO)
  uint32_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode;  // permission bits; 0666 when absent (runc's default)
  std::optional<uint32_t> uid, gid;
};

// linux.uidMappings / gidMappings: oci::IdMapping (oci/id_mapping.hpp).
struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<Device> devices;
  std::map<std::string, std::string> sysctl;
  std::vector<NetDevice> net_devices;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string cgroups_path;
  std::string rootfs_propagation;  // "rslave", "shared", ...; "" for the runtime's default (rslave)
  std::string resources;  // linux.resources as JSON text, "" when absent (runtime/cgroup_resources.hpp)
  bool has_resources = false;  // linux.resources given (applied or warned about)
  std::optional<Seccomp> seccomp;
};

struct Config {
  std::string oci_version;
  Process process;
  Root root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;
};

// Whether linux.namespaces has an entry of `type` at all, and whether that entry joins
// an existing namespace by path (one that lives on after the container, a pod's).
inline bool has_namespace(const Config& cfg, std::string_view type) {
  for (const auto& ns : cfg.linux.namespaces)
    if (ns.type == type) return true;
  return false;
}
inline bool joins_namespace(const Config& cfg, std::string_view type) {
  for (const auto& ns : cfg.linux.namespaces)
    if (ns.type == type) return !ns.path.empty();
  return false;
}

}  // namespace mr::oci
