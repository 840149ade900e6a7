// The one network service every front door calls (mini-runc, netns-hook, the CNI plugin
// mini-runc-cni): load the spec, check the host, set up with the journal, undo, attach,
// detach, show and export. A door turns its arguments into these calls and prints what
// they return (errors, warnings as lines without a prefix) in its own words. Network
// policy is decided here and nowhere else (network/README.md).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/container_network.hpp"
#include "netns/detach.hpp"
#include "netns/inspect.hpp"
#include "network/host_check.hpp"
#include "network/network_prepare.hpp"
#include "oci/config.hpp"
#include "oci/diagnostics.hpp"

namespace mr::network {

// Lines for the door to print as warnings, each without the door's prefix.
using Warnings = std::vector<std::string>;

// ---- policy (policy.cpp) ----

// The one rule for a network namespace joined by path (linux.namespaces[].path, a pod's):
// it is configured like the container's own when the spec asks for anything beyond
// loopback (a runtime cannot tell the hook which namespace it joined, and the hook under
// runc always configures the one it is given), recorded as shared so that undo deletes
// what it made there itself, the namespace living on; with nothing to configure it is
// left alone entirely (no pin, no state). The caller's own namespace is refused in
// every case.
struct Placement {
  bool configure = false;  // false: touch nothing, keep no state
  bool shared = false;     // the namespace outlives the container
};
Placement place(bool joined_by_path, const netns::NetConfig& net);

// Whether the config joins a network namespace by path.
bool joins_network_namespace(const oci::Config& config);

// ---- set up (setup.cpp) ----

// The container's network namespace by its pid (the door names the pid's source in an
// error; ENOENT: the process is gone).
Result<netns::Netns> open_container_namespace(pid_t pid);

// Refuses (one line naming container `id` and `pid`) a container namespace that is the
// caller's own: configuring it would change the host.
Result<void> refuse_callers_namespace(const netns::Netns& container, const std::string& id, pid_t pid);

// The network namespace at `path` (a CNI_NETNS: a bind mount the runtime made); EINVAL
// when the file is no network namespace.
Result<netns::Netns> open_namespace_path(const std::string& path);
// Whether `ns` is the caller's (the host's) own network namespace, which no door may
// configure as a container's.
Result<bool> is_callers_namespace(const netns::Netns& ns);

// Makes `root` (where the state directories are) a shared mount, so that a pin made
// under it is seen from other mount namespaces (netns::Netns::share_pin_directory).
Result<void> share_pin_directory(const std::string& root);

struct SetupRequest {
  std::string container_id;
  netns::ContainerNetworkDir where;  // the state directory that keeps pin and journal
  bool joined_by_path = false;
  bool check_host = true;  // false: the door checked it (require_host) just before
};
// Applies `net` to `container` as place() decides, journalled in `where`. On failure the
// host is as it was. Returns the devices made ready (empty when nothing was configured).
Result<netns::AppliedNetwork> set_up(const netns::NetConfig& net, const netns::Netns& container,
                                     const SetupRequest& req);

// Debug lines for what set_up() made ready: "eth0 (host vh1) ready".
std::vector<std::string> describe_ready(const netns::AppliedNetwork& applied);

// ---- undo (teardown.cpp) ----

struct TeardownRequest {
  std::string container_id;
  netns::ContainerNetworkDir where;
  bool container_gone = false;
  netns::ReachedNetwork* reached = nullptr;  // reach(): reached before the init ended
  bool forget = false;  // give up steps whose namespace is out of reach, a warning each
};
// Reached while the container may still run, so that its end cannot take lent devices.
Result<netns::ReachedNetwork> reach(const netns::ContainerNetworkDir& where);
// Undoes what set_up() and attach() did; can be repeated. The warnings say what came
// back otherwise than it went (a name taken, a device given up); the notes, for a
// door's debug log, what came back as it went.
struct TornDown {
  Warnings warnings;
  std::vector<std::string> notes;  // "nic0 returned to the host"
};
Result<TornDown> tear_down(const TeardownRequest& req);

// ---- the administrator's hand (admin.cpp) ----

// Whether a container's network is the service's to change or show: its own namespace,
// or one joined by path that set_up() configured (pinned in `where`).
bool administered(const netns::ContainerNetworkDir& where, bool joined_by_path);

// `device` as cli::device_from_flags() reads it; `root` is where the other containers'
// directories are (netns::AttachOptions). A device on a managed network is resolved in
// `network_dir`, and named the first free ethN of the container when it has no name.
Result<netns::AppliedDevice> attach(const netns::ContainerNetworkDir& where, netns::DeviceConfig device,
                                    const std::string& container_id, const std::string& root,
                                    const std::string& network_dir);
// "net detach: " is the door's; a renamed device's line is apart from the warnings, as
// the doors word it differently.
struct Detached {
  std::optional<std::string> renamed;  // "nic0 returned to the host as X: its original name was taken"
  Warnings warnings;
};
Result<Detached> detach(const netns::ContainerNetworkDir& where, const std::string& name);
// The live view, for the door to render (cli/network_view_table.hpp, or as JSON
// netspec/network_view_json.hpp).
Result<netns::ContainerNetworkView> show(const netns::ContainerNetworkDir& where);
// The live view as a network spec; `left_out` says what it could not carry.
struct Exported {
  std::string json;
  Warnings left_out;  // "left out: ..."
};
Result<Exported> export_spec(const netns::ContainerNetworkDir& where);

// ---- the host (host_check.hpp, network_prepare.hpp) ----

// prepare_network() through a socket opened here in the caller's (the host's) namespace.
Result<netspec::NetworkSpec> prepare_network(const std::string& bundle_dir, const oci::Config& config,
                                             const std::optional<std::string>& network_file,
                                             const std::string& network_dir, oci::Diagnostics& diag);
// Opens a socket in the caller's (the host's) namespace, for a door that checks several
// things through one (mini-runc validate).
Result<netns::NlSocket> open_host();
// The name of the host device whose MAC address is `mac` (the reference host-device
// plugin's "hwaddr"); ENODEV when there is none, ENOTUNIQ when several share it.
Result<std::string> host_device_with_mac(const netns::MacAddress& mac);

// `network reload`: every live container's rules asked of the packet filter again, from
// the step by which it joined its network (the pools name it, the journals hold it),
// after a firewall reload elsewhere (`flush ruleset`) wiped our table. Returns the ids
// of the containers whose rules are back; warns of each chain of another table that
// drops forwarded packets.
Result<std::vector<std::string>> reload_networks();

}  // namespace mr::network
