#include "oci/host_check.hpp"

#include <net/if.h>

#include <cstdio>
#include <set>

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
  uint32_t hash = 2166136261u;  // FNV-1a, 32 bits
  for (unsigned char c : container_id) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "mr%08x-%zu", hash, device_index % 1000);
  return buf;
}

void assign_veth_host_names(netns::NetConfig& net, std::string_view container_id) {
  for (size_t i = 0; i < net.devices.size(); ++i)
    if (auto* v = std::get_if<netns::VethDevice>(&net.devices[i].kind); v && v->host_name.empty())
      v->host_name = derived_veth_host_name(container_id, i);
}

}  // namespace mr::oci
