// tear_down(): undoing what set_up() and attach() did, from the directory alone.
#include "network/service.hpp"

#include "netns/journal.hpp"
#include "network/dns.hpp"
#include "network/host_firewall.hpp"

namespace mr::network {

Result<netns::ReachedNetwork> reach(const netns::ContainerNetworkDir& where) {
  return netns::reach_container_network(where);
}

namespace {

// The managed networks the container's journal says it joined: their DNS files are
// written again once it has left.
std::vector<DnsNetwork> joined_networks(const netns::ContainerNetworkDir& where) {
  std::vector<DnsNetwork> out;
  auto journal = netns::Journal::open(where.journal_path());
  if (!journal) return out;
  for (const auto& e : journal->entries())
    if (auto* leave = std::get_if<netns::LeaveNetwork>(&e.step)) out.push_back({leave->network, leave->pool_dir, {}});
  return out;
}

}  // namespace

Result<TornDown> tear_down(const TeardownRequest& req) {
  install_host_firewall();
  auto networks = joined_networks(req.where);
  auto report = MR_TRY_VALUE(netns::teardown_container_network(
      req.where,
      {.container_gone = req.container_gone, .reached = req.reached, .forget_out_of_reach = req.forget}));
  TornDown out;
  if (!networks.empty()) {
    auto host = MR_TRY_VALUE(netns::NlSocket::open());
    for (const auto& n : networks)
      if (auto r = refresh_dns(host, n); !r) out.warnings.push_back("network " + n.name + ": names: " + r.error().message());
  }
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
