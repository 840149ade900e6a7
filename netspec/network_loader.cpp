#include "netspec/network_loader.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "oci/json_input.hpp"
#include "netspec/origin.hpp"

namespace mr::netspec {

namespace {

struct SpecSource {
  std::string file;  // for messages
  std::string text;
};

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::string in_bundle(const std::string& bundle_dir, const std::string& path) {
  return path.starts_with('/') ? path : bundle_dir + "/" + path;
}

// The first source present, with a warning for each later one that is ignored.
Result<std::optional<SpecSource>> find_spec(const std::string& bundle_dir, const oci::Config& config,
                                            const std::optional<std::string>& network_file, oci::Diagnostics& diag) {
  std::vector<std::pair<std::string, std::string>> present;  // what, where
  if (network_file) present.emplace_back("--network", *network_file);
  std::string beside = bundle_dir + "/" + std::string(kNetworkFileName);
  if (exists(beside)) present.emplace_back("file", beside);
  auto annotation = config.annotations.find(std::string(kNetworkAnnotation));
  std::string config_file = bundle_dir + "/config.json";
  std::string annotation_pointer = "/annotations/" + std::string(kNetworkAnnotation);
  if (annotation != config.annotations.end()) present.emplace_back("annotation", annotation->second);
  if (present.empty()) return std::nullopt;
  for (size_t i = 1; i < present.size(); ++i) {
    std::string what = present[i].first == "annotation" ? "annotation " + std::string(kNetworkAnnotation)
                                                         : present[i].second;
    diag.warnings.push_back(oci::input_error(present[0].first == "--network" ? present[0].second : beside, "",
                                        "network spec used instead of " + what));
  }
  const auto& [kind, value] = present[0];
  if (kind == "annotation") {
    auto first = value.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && value[first] == '{')
      return SpecSource{config_file + " annotation " + std::string(kNetworkAnnotation), value};
    if (value.empty())
      return std::unexpected(oci::input_error(config_file, annotation_pointer, "expected a file name or inline JSON"));
    std::string path = in_bundle(bundle_dir, value);
    auto text = oci::read_input_file(path);
    if (!text)
      return std::unexpected(oci::input_error(config_file, annotation_pointer,
                                         "network spec named here: " + text.error().message()));
    return SpecSource{path, std::move(*text)};
  }
  auto text = MR_TRY_VALUE(oci::read_input_file(value));
  return SpecSource{value, std::move(text)};
}

bool same_problem(const Error& a, const Error& b) {
  return a.file == b.file && a.pointer == b.pointer && a.context == b.context;
}

}  // namespace

std::vector<netns::DeviceConfig> net_devices_to_model(const oci::Config& config, const std::string& config_file) {
  std::vector<netns::DeviceConfig> out;
  for (const auto& nd : config.linux.net_devices) {
    netns::DeviceConfig d;
    d.name = nd.name.empty() ? nd.host_name : nd.name;
    d.kind = netns::MoveDevice{.host_name = nd.host_name,
                               .keep_addresses = netns::KeepAddresses::permanent_global,
                               .return_on_teardown = false};
    d.up = true;
    d.origin = make_origin(config_file, oci::pointer_append("/linux/netDevices", nd.host_name));
    out.push_back(std::move(d));
  }
  return out;
}

SpecCheck check_bundle_network(const std::string& bundle_dir, const oci::Config& config,
                               const std::optional<std::string>& network_file, oci::Diagnostics& diag) {
  SpecCheck out;
  std::string config_file = bundle_dir + "/config.json";
  auto source = find_spec(bundle_dir, config, network_file, diag);
  if (!source) {
    out.problems.push_back(std::move(source).error());
    return out;
  }
  NetworkSpec spec;
  if (*source) {
    auto checked = check_network_spec((*source)->text, (*source)->file);
    out.problems = std::move(checked.problems);
    if (auto& read = checked.spec ? checked.spec : checked.partial) spec = std::move(*read);
    if (!oci::has_namespace(config, "network"))
      out.problems.push_back(oci::input_error(config_file, "/linux/namespaces",
                                         "a network spec needs a network namespace (it would change the host's network)"));
  }
  // The spec alone has been checked; what is new is only what the netDevices bring.
  auto spec_only = check_net_config(spec.net);
  for (auto& d : net_devices_to_model(config, config_file)) spec.net.devices.push_back(std::move(d));
  for (auto& e : check_net_config(spec.net)) {
    bool known = std::any_of(spec_only.begin(), spec_only.end(), [&](const Error& o) { return same_problem(o, e); });
    if (!known) out.problems.push_back(std::move(e));
  }
  for (const auto& [key, value] : spec.net.sysctls) {
    auto it = config.linux.sysctl.find(key);
    if (it != config.linux.sysctl.end() && it->second != value)
      out.problems.push_back(oci::input_error(spec.source, oci::pointer_append("/sysctl", key),
                                         "contradicts linux.sysctl in " + config_file + " (\"" + value + "\" here, \"" +
                                             it->second + "\" there)"));
  }
  (out.problems.empty() ? out.spec : out.partial) = std::move(spec);
  return out;
}

Result<NetworkSpec> load_network_spec(const std::string& bundle_dir, const oci::Config& config,
                                      const std::optional<std::string>& network_file, oci::Diagnostics& diag) {
  auto check = check_bundle_network(bundle_dir, config, network_file, diag);
  if (!check.problems.empty()) return std::unexpected(std::move(check.problems.front()));
  return std::move(*check.spec);
}

}  // namespace mr::netspec
