#include "runtime/mount_options.hpp"

#include <sys/mount.h>

#include <utility>

namespace mr::runtime {

namespace {

struct FlagOption {
  const char* name;
  bool clear;
  unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"ro", false, MS_RDONLY},         {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},     {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},       {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},     {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},  {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},   {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},     {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},      {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
};

constexpr std::pair<const char*, unsigned long> kPropagation[] = {
    {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions out;
  for (const auto& o : options) {
    if (o == "bind") {
      out.bind = true;
      continue;
    }
    if (o == "rbind") {
      out.bind = out.recursive = true;
      continue;
    }
    // Read with mounts[].uidMappings (oci::MountIdmap); never a mount(2) option
    // (runtime-spec config.md).
    if (o == "idmap" || o == "ridmap") {
      out.idmap = true;
      continue;
    }
    bool known = false;
    for (const auto& f : kFlags) {
      if (o != f.name) continue;
      known = true;
      if (f.clear) {
        out.flags &= ~f.flag;
        out.clear |= f.flag;
      } else {
        out.flags |= f.flag;
        out.clear &= ~f.flag;
      }
    }
    for (auto [name, flag] : kPropagation) {
      if (o != name) continue;
      known = true;
      out.propagation.push_back(flag);
    }
    if (known) continue;
    if (!out.data.empty()) out.data += ",";
    out.data += o;
  }
  return out;
}

unsigned long propagation_flags(const std::string& name) {
  for (auto [n, flag] : kPropagation)
    if (name == n) return flag;
  return 0;
}

std::vector<std::string> known_mount_options() {
  std::vector<std::string> out = {"bind", "rbind", "idmap", "ridmap"};
  for (const auto& f : kFlags) out.push_back(f.name);
  for (auto [name, flag] : kPropagation) out.push_back(name);
  return out;
}

}  // namespace mr::runtime
