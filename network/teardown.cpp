// tear_down(): undoing what set_up() and attach() did, from the directory alone.
#include "network/service.hpp"

#include "network/host_firewall.hpp"
#include "network/membership.hpp"

namespace mr::network {

Result<netns::ReachedNetwork> reach(const netns::ContainerNetworkDir& where) {
  return netns::reach_container_network(where);
}

Result<TornDown> tear_down(const TeardownRequest& req) {
  install_host_firewall();
  auto networks = joined_networks(req.where);
  auto report = MR_TRY_VALUE(netns::teardown_container_network(
      req.where,
      {.container_gone = req.container_gone, .reached = req.reached, .forget_out_of_reach = req.forget}));
  TornDown out;
  for (auto& w : announce_leave(networks)) out.warnings.push_back(std::move(w));
  for (const auto& d : report.returned)
    if (d.fallback) out.warnings.push_back(d.host_name + " returned to the host as " + d.name + ": its name was taken");
    else out.notes.push_back(d.name + " returned to the host");
  for (const auto& w : report.warnings) out.warnings.push_back(w.message());
  for (const auto& d : report.forgotten)
    out.warnings.push_back("container " + req.container_id + ": gave up " + d +
                  ": its network namespace is out of reach; the kernel deals with " + d + " when that namespace ends");
  return out;
}

}  // namespace mr::network
