// attach, detach, show and export on a container the service set up.
#include <algorithm>

#include "netns/attach.hpp"
#include "netns/inspect.hpp"
#include "netspec/container_etc.hpp"
#include "netspec/network_export.hpp"
#include "network/host_firewall.hpp"
#include "network/membership.hpp"
#include "network/network_resolve.hpp"
#include "network/service.hpp"

namespace mr::network {

namespace {

// eth0, eth1, ...: the first the container has no link of.
Result<std::string> free_eth_name(const netns::ContainerNetworkDir& where) {
  auto view = MR_TRY_VALUE(netns::show_container_network(where));
  for (int i = 0;; ++i) {
    std::string name = "eth" + std::to_string(i);
    if (std::none_of(view.links.begin(), view.links.end(), [&](const auto& l) { return l.link.name == name; }))
      return name;
  }
}

}  // namespace

Result<netns::AppliedDevice> attach(const netns::ContainerNetworkDir& where, netns::DeviceConfig device,
                                    const std::string& container_id, const std::string& root,
                                    const std::string& network_dir) {
  install_host_firewall();
  auto* joins = std::get_if<netns::NetworkDevice>(&device.kind);
  if (!joins) return netns::attach_device(where, device, {.container_id = container_id, .root = root});
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  if (device.name.empty()) device.name = MR_TRY_VALUE(free_eth_name(where));
  MR_TRY(resolve_network_device(device, network_dir, host));
  auto applied = MR_TRY_VALUE(netns::attach_device(where, device, {.container_id = container_id, .root = root}));
  announce_join(host, *joins);
  return applied;
}

Result<Detached> detach(const netns::ContainerNetworkDir& where, const std::string& name) {
  install_host_firewall();
  auto networks = joined_networks(where);
  auto gone = MR_TRY_VALUE(netns::detach_device(where, name));
  Detached out;
  for (auto& w : announce_leave(networks)) out.warnings.push_back(std::move(w));
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
