// Human-readable names of kernel constants, for `net show` / `netns-hook show` and the example.
#pragma once

#include <cstdint>
#include <string>

namespace mr::netns {

std::string scope_name(uint8_t scope);             // RT_SCOPE_*: "global" (universe), "link", "host"
std::string route_protocol_name(uint8_t protocol); // RTPROT_*: "kernel", "boot", "static"
std::string operstate_name(uint8_t operstate);     // IF_OPER_*: "up", "down", "lowerlayerdown"
std::string family_name(int family);               // AF_*: "inet", "inet6"

}  // namespace mr::netns
