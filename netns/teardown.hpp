// Undoing what apply() recorded in a Journal, newest step first, from the same process
// (rollback of a failed apply) or a later one (the runtime's `delete`). Every step is
// idempotent and marked done in the journal once undone, so running undo twice, or on
// an empty or missing journal, changes nothing.
//
// The container namespace is never simply let go to "roll back": the kernel destroys
// the virtual devices in a dying namespace (a moved veth would be lost) and sends
// physical ones home renamed (default_device_exit_net()).
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/journal.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;

struct UndoTargets {
  NlSocket& host;
  const Netns& host_ns;
  // The container's namespace (an fd, or one opened from a pinned path); null when it
  // is gone, in which case what died with it is taken as undone.
  const Netns* container = nullptr;
  // A socket in the container, if the caller has one; else one is opened.
  NlSocket* container_nl = nullptr;
  // The container's namespace ends once the caller lets go of it (the container is gone
  // and the namespace was its own): veths and macvlans still in it are left for the
  // kernel to delete with it, asynchronously, instead of waiting for their deletion.
  bool namespace_ends = false;
};

struct ReturnedDevice {
  std::string host_name;  // its original name
  std::string name;       // the name it has on the host now
  bool fallback = false;  // the original name was taken, see fallback_name()
};

struct UndoReport {
  std::vector<ReturnedDevice> returned;
  std::vector<Error> failures;  // steps that could not be undone (left pending)
  // Steps that are done but not as recorded, one line each for the front doors to warn
  // with: a lent device destroyed in the container, a link in the way left alone, what
  // a returned device came back without ("nic0 returned without route ...").
  std::vector<Error> warnings;
};

// Undoes every pending step, going on past failures so that as much as possible goes
// back; the failures are in the report and the steps stay pending for another try.
UndoReport undo_pending(Journal& journal, UndoTargets& targets);

// The same for only the steps `seqs` (those still pending, newest first): a rollback of
// one device applied onto a journal that holds others (apply_device()), or a detach.
UndoReport undo_steps(Journal& journal, UndoTargets& targets, const std::vector<uint64_t>& seqs);

// The same, as one result: an error (the first failure, counting the others) if any
// step could not be undone.
Result<UndoReport> undo(Journal& journal, UndoTargets& targets);

}  // namespace mr::netns
