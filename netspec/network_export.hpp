// `net export`: a running container's network written as a network spec (the schema users
// write, oci/schema/network-spec.schema.json) from which a new container gets the same
// links, names, MTUs, MACs, addresses and routes. Devices are described by where they
// came from on the host (journal origins, see netns/inspect.hpp): a moved device by its
// original host name, a veth by its host end, bridge and host addresses, a macvlan by its
// parent and mode.
//
// Left out, since a new container gets them anyway: what the kernel makes by itself
// (prefix routes, "proto kernel"; IPv6 link-local addresses and fe80::/64; SLAAC addresses
// and router-advertised routes; 127.0.0.1/8 and ::1/128 on lo). Left out with a line in
// `left_out`: links the spec cannot describe (no host origin in the journal), other
// addresses on lo, routes through undescribed links, route attributes the spec has no
// field for (a preferred source, a type other than unicast). Sysctls are not exported.
//
// The MAC of a veth or macvlan is left out: the kernel gave it a random one unless the
// spec set it, and which was the case is not known here; copied, it would give a second
// container made from the export the first one's MAC on the same bridge or parent. A
// moved device's MAC is its own and is kept. DNS and hosts entries are what the
// container was given (`etc`, see container_etc.hpp).
#pragma once

#include <string>
#include <vector>

#include "netns/inspect.hpp"
#include "netspec/container_etc.hpp"

namespace mr::netspec {

struct ExportedSpec {
  std::string json;                   // the spec, indented, ending in a newline
  std::vector<std::string> left_out;  // what the spec does not carry, one line each
};

ExportedSpec export_network_spec(const netns::ContainerNetworkView& view, const ContainerEtc& etc = {});

}  // namespace mr::netspec
