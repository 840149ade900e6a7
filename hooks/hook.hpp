// netns-hook: mini-runc's network isolation as an OCI hook, for runtimes that keep their
// own lifecycle (runc, crun, podman). It reads the OCI state on stdin and configures
// (prestart / createRuntime) or undoes (poststop) the container's network with the same
// netns code mini-runc uses. What undo needs lives in ROOT/ID: the pinned namespace and
// the journal (netns/container_network.hpp).
#pragma once

#include <optional>
#include <string>

#include "netns/error.hpp"
#include "oci/state.hpp"

namespace mr::hooks {

using netns::Result;

inline constexpr const char* kDefaultRoot = "/run/netns-hook";
// How errors name the OCI state, which the runtime writes to the hook's stdin.
inline constexpr const char* kStateFile = "stdin";

enum class Stage { automatic, configure, undo };

struct HookOptions {
  std::optional<std::string> network_file;  // --network FILE (relative to the bundle)
  Stage stage = Stage::automatic;
  std::string root = kDefaultRoot;
  bool json_log = false;
  bool debug = false;
};

// The stage to run: the explicit one, else undo for a "stopped" container, else configure.
Stage stage_for(const HookOptions& opts, const oci::State& state);

// Applies the bundle's network spec (and linux.netDevices) to the network namespace of
// state.pid. Everything is checked first; on any failure nothing on the host changes.
// Running it again for the same container is an error that changes nothing.
Result<void> configure(const HookOptions& opts, const oci::State& state);

// Gives back what configure() did: moved devices return home under their original
// names with their addresses, MTU and state; veths and macvlans made are removed.
// With nothing configured for the container (undo twice, or without a configure) it
// does nothing and succeeds.
Result<void> undo(const HookOptions& opts, const oci::State& state);

}  // namespace mr::hooks
