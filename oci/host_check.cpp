#include "oci/host_check.hpp"

#include <net/if.h>

#include <cstdio>
#include <set>

#include "netns/config_check.hpp"
#include "netns/link.hpp"
#include "oci/host_uses.hpp"
#include "oci/origin.hpp"

namespace mr::oci {

std::vector<netns::Error> check_host(netns::NlSocket& host, const netns::NetConfig& net) {
  std::vector<netns::Error> out;
  std::set<std::pair<std::string, HostUse::Kind>> done;
  for (const auto& use : host_uses(net.devices)) {
    if (!done.emplace(use.name, use.kind).second) continue;
    auto found = netns::find_link(host, use.name);
    if (!found) {
      out.push_back(origin_error(use.origin, use.sub, "look up host device \"" + use.name + "\": " + found.error().message()));
      continue;
    }
    const auto& link = *found;
    switch (use.kind) {
      case HostUse::moved:
      case HostUse::parent:
        if (!link)
          out.push_back(origin_error(use.origin, use.sub, "host device \"" + use.name + "\" does not exist"));
        else if (link->flags & IFF_LOOPBACK)
          out.push_back(origin_error(use.origin, use.sub, "host device \"" + use.name + "\" is the host's loopback"));
        else if (use.kind == HostUse::moved && netns::is_netns_immutable(*link))
          out.push_back(origin_error(use.origin, use.sub, "host device \"" + use.name + "\" (a " +
                                                              (link->kind.empty() ? "device" : link->kind) +
                                                              ") cannot leave the host's network namespace: the kernel "
                                                              "keeps it there (netns-local)"));
        break;
      case HostUse::bridge:
        if (!link)
          out.push_back(origin_error(use.origin, use.sub, "host bridge \"" + use.name + "\" does not exist"));
        else if (link->kind != "bridge")
          out.push_back(origin_error(use.origin, use.sub, "host device \"" + use.name + "\" is not a bridge (it is " +
                                                              (link->kind.empty() ? std::string("a physical device")
                                                                                  : "a " + link->kind) + ")"));
        break;
      case HostUse::veth_end:
        if (link)
          out.push_back(origin_error(use.origin, use.sub, "host device \"" + use.name + "\" already exists"));
        break;
    }
  }
  return out;
}

std::string derived_veth_host_name(std::string_view container_id, size_t device_index) {
  return netns::derived_veth_name(container_id, device_index);
}

}  // namespace mr::oci
