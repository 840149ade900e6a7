// The host devices a network model names: moved into the container, used as a macvlan
// parent or a bridge, or created as the host end of a veth. Shared by the rules that
// check a model on its own and the check against the real host.
#pragma once

#include <string>
#include <vector>

#include "netns/network_config.hpp"

namespace mr::netspec {

struct HostUse {
  enum Kind { moved, parent, bridge, veth_end };
  std::string name;
  Kind kind;
  std::string origin;  // "file#pointer" of the device
  std::string sub;     // pointer below origin to the name ("/move", "/veth/bridge")
};

const char* describe(HostUse::Kind kind);
std::vector<HostUse> host_uses(const std::vector<netns::DeviceConfig>& devices);

}  // namespace mr::netspec
