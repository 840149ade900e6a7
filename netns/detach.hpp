// Giving one device back from a running container now, by its name there: a moved
// device returns to the host under its original name with its addresses, MTU, MAC and
// up/down state; a veth or macvlan made for the container is deleted. Its journal step
// is marked done, so teardown does not try again.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "netns/container_network.hpp"
#include "base/error.hpp"

namespace mr::netns {

struct DetachedDevice {
  std::string name;       // its name in the container
  std::string host_name;  // a moved device's name on the host now; "" for a deleted one
  bool fallback = false;  // its original host name was taken, see fallback_name()
  std::vector<Error> warnings;  // done, but not as recorded (UndoReport::warnings)
};

// A name that no pending journal step stands for (never attached, already detached, or
// a device the container keeps at deletion) is an error that changes nothing.
Result<DetachedDevice> detach_device(const ContainerNetworkDir& where, std::string_view name);

}  // namespace mr::netns
