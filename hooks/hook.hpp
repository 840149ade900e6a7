// netns-hook: mini-runc's network isolation as an OCI hook, for runtimes that keep their
// own lifecycle (runc, crun, podman). It reads the OCI state on stdin and configures
// (prestart / createRuntime) or undoes (poststop) the container's network with the same
// netns code mini-runc uses. What undo needs lives in ROOT/ID: the pinned namespace and
// the journal (netns/container_network.hpp). For a container it configured, it also
// attaches and detaches devices later (the administrator's hand of `mini-runc net`),
// journalled there too, so that poststop returns them like the configured ones. Every
// change to ROOT/ID is made under its lock (base/dir_lock.hpp): configure, undo, attach
// and detach of one container never interleave.
#pragma once

#include <optional>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "cli/net_admin_flags.hpp"
#include "netdef/network_store.hpp"
#include "network/service.hpp"
#include "oci/state.hpp"

namespace mr::hooks {


inline constexpr const char* kDefaultRoot = "/run/netns-hook";
// How errors name the OCI state, which the runtime writes to the hook's stdin.
inline constexpr const char* kStateFile = "stdin";

enum class Stage { automatic, configure, undo };

struct HookOptions {
  std::optional<std::string> network_file;  // --network FILE (relative to the bundle)
  std::string network_dir{netdef::kDefaultNetworkDir};  // --network-dir: managed networks' definitions
  Stage stage = Stage::automatic;
  std::string root = kDefaultRoot;
  // Undo only: give up the pending steps of a container whose namespace is out of reach
  // (its pin made in another mount namespace, its process gone), a warning naming each
  // device, instead of refusing.
  bool forget_network = false;
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
// does nothing and succeeds. The namespace is found through the pin, else through the
// recorded process; when neither reaches it while steps are pending, it refuses in one
// line naming the devices, and changes nothing (HookOptions::forget_network forces it).
Result<void> undo(const HookOptions& opts, const oci::State& state);

// ROOT/ID: what the hook keeps for container `id` (an id checked already), with the
// recorded process (below) once `with_process` and it is there.
netns::ContainerNetworkDir container_dir(const HookOptions& opts, const std::string& id, bool with_process = false);

// ROOT/ID/process records the container's pid and start time at configure; attach and
// detach refuse a container whose recorded process is gone (or whose pid now names
// another process). undo removes the record.
Result<void> record_process(const netns::ContainerNetworkDir& where, pid_t pid);
Result<void> forget_process(const netns::ContainerNetworkDir& where);
std::optional<netns::RecordedProcess> recorded_process(const netns::ContainerNetworkDir& where);
Result<void> require_process(const netns::ContainerNetworkDir& where, const std::string& id,
                             const std::string& command);

// netns-hook attach|detach|show ID ...: the same flags and steps as `mini-runc net`, on a
// container whose network this hook configured and poststop has not undone yet, and
// (attach, detach) whose process still runs. An id it did not configure, or one whose
// process is gone, is an error in one line that changes nothing.
Result<netns::AppliedDevice> attach(const HookOptions& opts, const cli::AttachFlags& f);
Result<network::Detached> detach(const HookOptions& opts, const cli::DetachFlags& f);
// The table, or with --json the JSON, of `mini-runc net show`.
Result<std::string> show(const HookOptions& opts, const cli::ShowFlags& f);

}  // namespace mr::hooks
