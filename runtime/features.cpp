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
      {"cgroup", {{"v1", false}, {"v2", false}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
      {"seccomp", {{"enabled", false}}},
      {"apparmor", {{"enabled", false}}},
      {"selinux", {{"enabled", false}}},
      {"intelRdt", {{"enabled", false}}},
      {"mountExtensions", {{"idmap", {{"enabled", false}}}}},
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
