#include "runtime/features.hpp"

#include "netspec/network_loader.hpp"
#include "oci/capability_names.hpp"
#include "oci/config_loader.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

using nlohmann::json;

json features_document() {
  json caps = json::array();
  for (auto name : oci::capability_names()) caps.push_back(name);
  json namespaces = json::array();
  for (auto type : oci::supported_namespaces()) namespaces.push_back(type);
  json linux = {
      {"namespaces", namespaces},
      {"capabilities", caps},
      // runtime/cgroup_*.cpp: v1 (legacy and hybrid) and v2 directories and resources.
      // A systemd cgroupsPath is mapped to the path systemd would use, but no unit is
      // asked of systemd, so "systemd" is not claimed; rdma is refused.
      {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
      // oci/seccomp_config.cpp: libseccomp 2.5.4 cannot set
      // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.
      {"seccomp",
       {{"enabled", true},
        {"actions", {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
        {"operators", {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                       "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
        {"archs", {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
                   "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
                   "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                   "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
                   "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}},
        {"knownFlags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
        {"supportedFlags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}}}},
      {"apparmor", {{"enabled", false}}},
      {"selinux", {{"enabled", false}}},
      {"intelRdt", {{"enabled", false}}},
      // runtime/idmap_mount.cpp: bind mounts with their own uidMappings and gidMappings.
      {"mountExtensions", {{"idmap", {{"enabled", true}}}}},
      {"netDevices", {{"enabled", true}}},
  };
  return {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", kOciVersion},
      {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions", known_mount_options()},
      {"linux", linux},
      // The network spec an annotation names is read by the runtime, as root, and
      // changes the host's network: an engine that passes a pod's annotations through
      // should filter it (runtime-spec features.md).
      {"potentiallyUnsafeConfigAnnotations", {std::string(netspec::kNetworkAnnotation)}},
  };
}

}  // namespace mr::runtime
