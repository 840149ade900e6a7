// set_up(): the container's network made from the spec, journalled in its directory.
#include "network/service.hpp"

#include "base/log.hpp"
#include "network/host_firewall.hpp"
#include "network/membership.hpp"
#include "network/network_resolve.hpp"
#include "netns/snapshot.hpp"

namespace mr::network {

Result<netns::Netns> open_container_namespace(pid_t pid) { return netns::Netns::open_pid(pid); }

Result<void> share_pin_directory(const std::string& root) { return netns::Netns::share_pin_directory(root); }

Result<netns::Netns> open_namespace_path(const std::string& path) { return netns::Netns::open_path(path); }

Result<bool> is_callers_namespace(const netns::Netns& ns) {
  auto own = MR_TRY_VALUE(netns::Netns::current());
  return MR_TRY_VALUE(ns.inode()) == MR_TRY_VALUE(own.inode());
}

Result<void> refuse_callers_namespace(const netns::Netns& container, const std::string& id, pid_t pid) {
  if (MR_TRY_VALUE(is_callers_namespace(container)))
    return fail(EINVAL, "container " + id + " (pid " + std::to_string(pid) +
                            ") shares the runtime's network namespace; give it its own with a "
                            "\"network\" entry in linux.namespaces");
  return {};
}

Result<netns::AppliedNetwork> set_up(const netns::NetConfig& net, const netns::Netns& container,
                                     const SetupRequest& req) {
  Placement at = place(req.joined_by_path, net);
  if (!at.configure) return netns::AppliedNetwork{};
  install_host_firewall();
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  if (req.check_host) MR_TRY(require_host(host, net));
  auto applied = MR_TRY_VALUE(netns::setup_container_network(net, container, req.where,
                                                            {.container_id = req.container_id, .shared = at.shared}));
  // The container is on its networks now; their names are a service on top, whose
  // failure leaves the network as it is and is said as a warning.
  for (const auto* n : managed_networks(net)) announce_join(host, *n);
  return applied;
}

std::vector<std::string> describe_ready(const netns::AppliedNetwork& applied) {
  std::vector<std::string> out;
  for (const auto& d : applied.devices)
    out.push_back(d.name + (d.host_name.empty() ? "" : " (host " + d.host_name + ")") + " ready");
  return out;
}

Result<netspec::NetworkSpec> prepare_network(const std::string& bundle_dir, const oci::Config& config,
                                             const std::optional<std::string>& network_file,
                                             const std::string& network_dir, oci::Diagnostics& diag) {
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  return prepare_network(bundle_dir, config, network_file, network_dir, host, diag);
}

Result<netns::NlSocket> open_host() { return netns::NlSocket::open(); }

Result<std::string> host_device_with_mac(const netns::MacAddress& mac) {
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  std::vector<std::string> named;
  for (const auto& l : MR_TRY_VALUE(netns::list_links(host)))
    // A bridge takes the MAC of a port: what cannot leave the host is not the one meant.
    if (l.mac == mac && !netns::is_netns_immutable(l)) named.push_back(l.name);
  if (named.empty()) return fail(ENODEV, "no host device has MAC address " + mac.to_string());
  if (named.size() > 1)
    return fail(ENOTUNIQ, "host devices " + named[0] + " and " + named[1] + " both have MAC address " + mac.to_string());
  return named.front();
}

}  // namespace mr::network
