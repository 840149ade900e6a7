#include "network/host_check.hpp"

#include <net/if.h>

#include <cstdio>
#include <optional>
#include <set>

#include "netns/config_check.hpp"
#include "netns/lease.hpp"
#include "netns/link.hpp"
#include "netns/link_proof.hpp"
#include "netspec/host_uses.hpp"
#include "netspec/origin.hpp"

namespace mr::network {

namespace {

// The container that holds host device `link` in a way that excludes this use (a
// macvlan's parent is shared with other macvlans, nothing else is), as a refusal says it.
std::optional<std::string> held(netns::NlSocket& host, const netns::LinkInfo& link, bool as_parent) {
  auto key = netns::lease_key(host, link.index);
  if (!key) return std::nullopt;
  auto holders = netns::Leases(netns::default_lease_dir()).holders(*key);
  if (!holders) return std::nullopt;
  for (const auto& h : *holders)
    if (netns::excludes(h.role, as_parent ? netns::LeaseRole::parent : netns::LeaseRole::moved)) return netns::describe(h);
  return std::nullopt;
}

// The container a device that is not on the host was lent to, if a lease says so.
std::optional<std::string> lent_by_name(netns::NlSocket& host, const std::string& name) {
  auto here = netns::lease_key(host, 0);
  if (!here) return std::nullopt;
  auto holders = netns::Leases(netns::default_lease_dir()).holders_of_name(here->netns_cookie, name);
  if (!holders) return std::nullopt;
  for (const auto& h : *holders)
    if (h.role == netns::LeaseRole::moved) return netns::describe(h);
  return std::nullopt;
}

}  // namespace

std::vector<Error> check_host(netns::NlSocket& host, const netns::NetConfig& net) {
  std::vector<Error> out;
  std::set<std::pair<std::string, netspec::HostUse::Kind>> done;
  for (const auto& use : netspec::host_uses(net.devices)) {
    if (!done.emplace(use.name, use.kind).second) continue;
    auto found = netns::find_link(host, use.name);
    if (!found) {
      out.push_back(netspec::origin_error(use.origin, use.sub, "look up host device \"" + use.name + "\": " + found.error().message()));
      continue;
    }
    const auto& link = *found;
    switch (use.kind) {
      case netspec::HostUse::moved:
      case netspec::HostUse::parent:
        if (!link) {
          // Lent to a container (by any front door, under any root): name it.
          auto holder = lent_by_name(host, use.name);
          out.push_back(netspec::origin_error(use.origin, use.sub,
                                     "host device \"" + use.name + "\" " +
                                         (holder ? "is not on the host: " + *holder : std::string("does not exist"))));
        } else if (link->flags & IFF_LOOPBACK) {
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" is the host's loopback"));
        } else if (use.kind == netspec::HostUse::moved && netns::is_netns_immutable(*link)) {
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" (a " +
                                                              (link->kind.empty() ? "device" : link->kind) +
                                                              ") cannot leave the host's network namespace: the kernel "
                                                              "keeps it there (netns-local)"));
        } else if (use.kind == netspec::HostUse::moved && use.sub == "/move" &&
                   netns::proof_of(*link).kind == netns::LinkProof::Kind::none) {
          // A spec's move is given back at teardown: only what can be proven to be the
          // same device then is lent (netns/link_proof.hpp).
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" (a " +
                                                              (link->kind.empty() ? "device" : link->kind) +
                                                              ") cannot be lent: nothing the kernel reports of it would "
                                                              "prove, when it comes back, that it is the same device; "
                                                              "linux.netDevices gives a device away for good"));
        } else if (auto holder = held(host, *link, use.kind == netspec::HostUse::parent)) {
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" is taken: " + *holder));
        }
        break;
      case netspec::HostUse::bridge:
        if (!link)
          out.push_back(netspec::origin_error(use.origin, use.sub, "host bridge \"" + use.name + "\" does not exist"));
        else if (link->kind != "bridge")
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" is not a bridge (it is " +
                                                              (link->kind.empty() ? std::string("a physical device")
                                                                                  : "a " + link->kind) + ")"));
        break;
      case netspec::HostUse::veth_end:
        if (link)
          out.push_back(netspec::origin_error(use.origin, use.sub, "host device \"" + use.name + "\" already exists"));
        break;
    }
  }
  return out;
}

std::string derived_veth_host_name(std::string_view container_id, size_t device_index) {
  return netns::derived_veth_name(container_id, device_index);
}

}  // namespace mr::network
