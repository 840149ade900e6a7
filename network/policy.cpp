// The service's policy: which namespace is configured, and how (service.hpp, place()).
#include "network/service.hpp"

#include <unistd.h>

namespace mr::network {

Placement place(bool joined_by_path, const netns::NetConfig& net) {
  if (!joined_by_path) return {.configure = true, .shared = false};
  // A joined namespace is its owner's: only a spec that asks for devices, routes or
  // sysctls reaches into it, and what it made there goes by our hand at undo.
  if (configures_devices(net)) return {.configure = true, .shared = true};
  return {};
}

bool joins_network_namespace(const oci::Config& config) { return oci::joins_namespace(config, "network"); }

bool administered(const netns::ContainerNetworkDir& where, bool joined_by_path) {
  if (!joined_by_path) return true;
  // set_up() pinned it only when place() configured it.
  return ::access(where.pin_path().c_str(), F_OK) == 0;
}

}  // namespace mr::network
