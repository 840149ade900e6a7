#include "network/bundle_check.hpp"

#include "oci/config_loader.hpp"
#include "oci/hook_check.hpp"
#include "network/host_check.hpp"
#include "oci/joined_namespaces.hpp"
#include "netspec/network_loader.hpp"

namespace mr::network {

BundleReport validate_bundle(const std::string& bundle_dir, const std::optional<std::string>& network_file,
                             netns::NlSocket* host) {
  BundleReport report;
  auto config = oci::check_config_file(bundle_dir, report.diag);
  report.problems = std::move(config.problems);
  if (host && config.config) {
    for (auto& e : oci::check_hook_paths(config.config->hooks, bundle_dir + "/config.json"))
      report.problems.push_back(std::move(e));
    for (auto& e : oci::check_joined_namespaces(*config.config, bundle_dir + "/config.json"))
      report.problems.push_back(std::move(e));
  }
  // A config with problems still has a network spec worth checking: read the one it
  // would use, without the parts (annotation, netDevices) that need the config.
  oci::Config fallback;
  fallback.linux.namespaces.push_back({"network", ""});
  const oci::Config& basis = config.config ? *config.config : fallback;
  auto net = netspec::check_bundle_network(bundle_dir, basis, network_file, report.diag);
  for (auto& e : net.problems) report.problems.push_back(std::move(e));
  // The devices that were read are looked up even when other parts of the spec have
  // problems: every problem is reported at once, not one fix at a time.
  if (auto& read = net.spec ? net.spec : net.partial; host && read)
    for (auto& e : network::check_host(*host, read->net)) report.problems.push_back(std::move(e));
  return report;
}

}  // namespace mr::network
