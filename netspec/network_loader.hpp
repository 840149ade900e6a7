// Finding a bundle's network spec and merging it with config.json's linux.netDevices.
// The spec comes from, in this order: the --network FILE option; network.json beside
// config.json; the annotation kNetworkAnnotation in config.json, naming a file (relative
// to the bundle) or holding the JSON inline. Sources lower in the order that are also
// present are ignored with a warning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oci/config.hpp"
#include "oci/diagnostics.hpp"
#include "netspec/network_spec.hpp"

namespace mr::netspec {

inline constexpr std::string_view kNetworkAnnotation = "org.mini-runc.network";
inline constexpr std::string_view kNetworkFileName = "network.json";

// Every problem of the bundle's network: the spec's own, and contradictions between it,
// linux.netDevices and linux.sysctl. With neither a spec nor netDevices the result is
// a spec with only the loopback.
SpecCheck check_bundle_network(const std::string& bundle_dir, const oci::Config& config,
                               const std::optional<std::string>& network_file, oci::Diagnostics& diag);
Result<NetworkSpec> load_network_spec(const std::string& bundle_dir, const oci::Config& config,
                                      const std::optional<std::string>& network_file, oci::Diagnostics& diag);

// linux.netDevices in the model: moved with their permanent global addresses kept, up, and left
// alone at deletion (runtime-spec 1.2). `config_file` names config.json in errors.
std::vector<netns::DeviceConfig> net_devices_to_model(const oci::Config& config, const std::string& config_file);

}  // namespace mr::netspec
