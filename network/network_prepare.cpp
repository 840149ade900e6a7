#include "network/network_prepare.hpp"

#include "network/host_check.hpp"
#include "network/network_resolve.hpp"
#include "netspec/network_loader.hpp"

namespace mr::network {

namespace {

Error first_of(std::vector<Error> problems) {
  size_t more = problems.size() - 1;
  Error e = std::move(problems.front());
  if (more) e.context += " (and " + std::to_string(more) + " more problem" + (more > 1 ? "s" : "") + ")";
  return e;
}

}  // namespace

Result<void> require_host(netns::NlSocket& host, const netns::NetConfig& net) {
  if (auto problems = check_host(host, net); !problems.empty()) return std::unexpected(first_of(std::move(problems)));
  return {};
}

bool configures_devices(const netns::NetConfig& net) {
  return !net.devices.empty() || !net.routes.empty() || !net.sysctls.empty();
}

Result<netspec::NetworkSpec> prepare_network(const std::string& bundle_dir, const oci::Config& config,
                                    const std::optional<std::string>& network_file,
                                    const std::string& network_dir, netns::NlSocket& host,
                                    oci::Diagnostics& diag) {
  auto spec = MR_TRY_VALUE(netspec::load_network_spec(bundle_dir, config, network_file, diag));
  MR_TRY(resolve_networks(spec, network_dir, host));
  MR_TRY(require_host(host, spec.net));
  return spec;
}

}  // namespace mr::network
