// A container's network kept in one directory (mini-runc's state dir, netns-hook's):
// DIR/netns pins the container's network namespace, DIR/network.journal records how to
// undo what apply() did. Setup and teardown may run in different processes (create and
// delete, a prestart and a poststop hook), so everything teardown needs is in DIR.
// Both run in the host's network namespace: the caller's own.
//
// A later process finds the namespace through the pin, else through the container's
// init (/proc/PID/ns/net) when the pin is out of its sight (made in another mount
// namespace), and uses it only once it is proven to be the namespace that was pinned:
// DIR/netns.identity records its identity at setup (NetnsIdentity, namespace.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netns/apply.hpp"
#include "base/error.hpp"
#include "netns/journal.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/network_config.hpp"
#include "netns/teardown.hpp"

namespace mr::netns {

// A process by its pid and the start time /proc/PID/stat gave it (proc_stat.hpp), so that
// a later process given the same pid is never taken for it.
struct RecordedProcess {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

struct ContainerNetworkDir {
  std::string dir;
  // The container's init, when known: the second way to its namespace.
  std::optional<RecordedProcess> init = std::nullopt;

  std::string pin_path() const { return dir + "/netns"; }
  std::string journal_path() const { return dir + "/network.journal"; }
  // Present when the namespace outlives the container (see SetupOptions::shared).
  std::string shared_marker_path() const { return dir + "/netns.shared"; }
  // The pinned namespace's NetnsIdentity, written after the pin and before the journal.
  std::string identity_path() const { return dir + "/netns.identity"; }
};

struct SetupOptions {
  std::string container_id;  // names derived veth host ends
  // Pin the namespace in DIR so teardown can reach it after the container's processes
  // are gone. Off when the namespace is someone else's (joined by path).
  bool pin = true;
  // The namespace lives on after the container (it joined one by path, as in a pod), so
  // teardown deletes what it made there itself instead of leaving it to the namespace's
  // end. Recorded in DIR for teardown.
  bool shared = false;
};

// Pins `container`, then applies `cfg` to it. On failure, what apply() did is already
// undone; the pin and the journal are removed too, and the host is as it was.
Result<AppliedNetwork> setup_container_network(const NetConfig& cfg, const Netns& container,
                                               const ContainerNetworkDir& where, const SetupOptions& opts);

// The container's namespace as a later process reaches it, proven to be the one pinned
// at setup, with a socket in it.
struct ReachedNamespace {
  Netns ns;
  NlSocket nl;
  // Opened from the pin, which teardown then releases: if the container's processes are
  // gone, the namespace ends with it. Reached through the init instead, the pin seen by
  // another mount namespace may hold it on.
  bool through_pin = false;
};

// The container namespace, through the pin or else the init; nullopt when neither
// reaches it (`why` then says what was tried, if given).
Result<std::optional<ReachedNamespace>> reach_container_namespace(const ContainerNetworkDir& where,
                                                                  std::string* why = nullptr);

// What a teardown would find: the journal's pending steps and, when there are any, the
// namespace (held open from here on, so that ending the container's init cannot end it
// with lent devices in it).
struct ReachedNetwork {
  std::optional<Journal> journal;  // none: nothing was set up, or all is undone
  std::optional<ReachedNamespace> container;
  // The devices of pending steps by their host names (a moved device, a veth host end),
  // or as describe() words a step without one.
  std::vector<std::string> pending;
  std::string why;  // when out of reach: what was tried

  // Steps are pending and their namespace is out of reach: undoing is impossible, and
  // forgetting them gives the devices up.
  bool out_of_reach() const { return !container && !pending.empty(); }
  // "its network namespace is out of reach (WHY); it still holds nic0, vh1"
  std::string out_of_reach_message() const;
};
Result<ReachedNetwork> reach_container_network(const ContainerNetworkDir& where);

// Undoes everything pending in DIR's journal (devices return home, veths and macvlans
// made for the container are removed), then unpins the namespace and removes the
// journal. Idempotent: with nothing in DIR it does nothing. When a step cannot be
// undone, the journal and the pin stay for another try and the error says why.
//
// With TeardownOptions::container_gone, a namespace of the container's own ends with the
// pin, and the kernel then deletes the veths and macvlans still in it, after this
// returns (cleanup_net() runs in a work queue): their deletion waits for RCU grace
// periods (tens of milliseconds) that teardown so leaves off the caller's path. Devices
// moved in from the host never wait for that: they are returned first.
//
// A journal with pending steps whose namespace is out of reach (ReachedNetwork) is an
// error that changes nothing, unless TeardownOptions::forget_out_of_reach: then the
// journal goes, and TeardownReport::forgotten names what was given up.
struct TeardownOptions {
  // The container's processes are gone (the caller saw them exit or knows them dead),
  // so nothing but the pin holds its namespace, unless setup recorded it as shared.
  bool container_gone = false;
  // What the caller reached (reach_container_network()) before it ended the container's
  // init; null: reached here.
  ReachedNetwork* reached = nullptr;
  bool forget_out_of_reach = false;
};
struct TeardownReport : UndoReport {
  std::vector<std::string> forgotten;  // ReachedNetwork::pending of a namespace out of reach
};
Result<TeardownReport> teardown_container_network(const ContainerNetworkDir& where, const TeardownOptions& opts = {});

// A running container's network, opened from DIR for a later change or a look
// (attach, detach, show): the host (the caller's namespace), the pinned container
// namespace, a socket in each, and the journal.
struct OpenContainerNetwork {
  Netns host_ns;
  NlSocket host;
  Netns container;
  NlSocket container_nl;
  Journal journal;

  ApplyTargets apply_targets(std::string container_id);
  UndoTargets undo_targets();
  LentPlaces places();
};

// Fails, naming DIR, when the container's namespace is out of reach
// (reach_container_namespace()).
Result<OpenContainerNetwork> open_container_network(const ContainerNetworkDir& where);

}  // namespace mr::netns
