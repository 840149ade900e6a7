// A container's network kept in one directory (mini-runc's state dir, netns-hook's):
// DIR/netns pins the container's network namespace, DIR/network.journal records how to
// undo what apply() did. Setup and teardown may run in different processes (create and
// delete, a prestart and a poststop hook), so everything teardown needs is in DIR.
// Both run in the host's network namespace: the caller's own.
#pragma once

#include <string>

#include "netns/apply.hpp"
#include "netns/error.hpp"
#include "netns/journal.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/network_config.hpp"
#include "netns/teardown.hpp"

namespace mr::netns {

struct ContainerNetworkDir {
  std::string dir;

  std::string pin_path() const { return dir + "/netns"; }
  std::string journal_path() const { return dir + "/network.journal"; }
  // Present when the namespace outlives the container (see SetupOptions::shared).
  std::string shared_marker_path() const { return dir + "/netns.shared"; }
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
struct TeardownOptions {
  // The container's processes are gone (the caller saw them exit or knows them dead),
  // so nothing but the pin holds its namespace, unless setup recorded it as shared.
  bool container_gone = false;
};
Result<UndoReport> teardown_container_network(const ContainerNetworkDir& where, const TeardownOptions& opts = {});

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

// Fails, naming DIR, when the container has no pinned namespace there.
Result<OpenContainerNetwork> open_container_network(const ContainerNetworkDir& where);

}  // namespace mr::netns
