// `net show` as JSON: a running container's links (with the host device each came from),
// addresses and routes, as netns::inspect_network() read them from the kernel.
//
//   {"links": [{"name": "eth0", "index": 7, "kind": "veth", "mtu": 1500, "mac": "...",
//               "up": true, "operstate": "up", "addresses": ["10.0.0.2/24"],
//               "host": {"origin": "veth", "name": "mr1a2b3c4d-0", "bridge": "br0"}}],
//    "routes": [{"to": "default", "via": "10.0.0.1", "device": "eth0", "metric": 0,
//                "protocol": "boot", "scope": "global"}]}
//
// "host" is absent for a link not in the journal (lo, or one the workload made). A link on
// a managed network has "host": {"origin": "network", "network": "web", "name": ...,
// "bridge": ..., "ports": [published_port_json(), ...]}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "netns/inspect.hpp"
#include "netns/route.hpp"

namespace mr::netspec {

nlohmann::ordered_json network_view_json(const netns::ContainerNetworkView& view);
// The same, indented, ending in a newline.
std::string render_network_view(const netns::ContainerNetworkView& view);

// A published port as the network spec's "ports" write it: {"hostPort": 8080,
// "containerPort": 80, "protocol": "tcp"}, with "hostIp" and "range" when set.
nlohmann::ordered_json published_port_json(const netns::FilterPort& p);

// A route's destination as the network spec writes it: "default" where the reader
// infers the family (IPv4, or a gateway given), else the prefix ("::/0", "10.0.0.0/8").
std::string route_to_text(const netns::Route& r);

}  // namespace mr::netspec
