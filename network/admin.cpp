// attach, detach, show and export on a container the service set up.
#include "netns/attach.hpp"
#include "netspec/container_etc.hpp"
#include "netspec/network_export.hpp"
#include "network/host_firewall.hpp"
#include "network/service.hpp"

namespace mr::network {

Result<netns::AppliedDevice> attach(const netns::ContainerNetworkDir& where, const netns::DeviceConfig& device,
                                    const std::string& container_id, const std::string& root) {
  install_host_firewall();
  return netns::attach_device(where, device, {.container_id = container_id, .root = root});
}

Result<Detached> detach(const netns::ContainerNetworkDir& where, const std::string& name) {
  install_host_firewall();
  auto gone = MR_TRY_VALUE(netns::detach_device(where, name));
  Detached out;
  if (gone.fallback)
    out.renamed = gone.name + " returned to the host as " + gone.host_name + ": its original name was taken";
  for (const auto& w : gone.warnings) out.warnings.push_back(w.message());
  return out;
}

Result<netns::ContainerNetworkView> show(const netns::ContainerNetworkDir& where) {
  return netns::show_container_network(where);
}

Result<Exported> export_spec(const netns::ContainerNetworkDir& where) {
  auto view = MR_TRY_VALUE(netns::show_container_network(where));
  std::vector<std::string> unread;
  auto etc = MR_TRY_VALUE(netspec::read_container_etc(where.dir, unread));
  auto spec = netspec::export_network_spec(view, etc);
  Exported out{.json = std::move(spec.json)};
  for (const auto& line : unread) out.left_out.push_back("left out: " + line);
  for (const auto& line : spec.left_out) out.left_out.push_back("left out: " + line);
  return out;
}

}  // namespace mr::network
