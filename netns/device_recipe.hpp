// What a device recipe (device_kind.hpp) is handed: the state one apply() or one undo
// shares across its devices, and small lookups every kind uses. The applier, the
// undoer, inspect and the journal only dispatch on the kind (the variants in
// network_config.hpp and journal_format.hpp).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/fault.hpp"
#include "netns/apply.hpp"
#include "netns/device_export.hpp"
#include "netns/journal.hpp"
#include "netns/journal_codec.hpp"
#include "netns/lease.hpp"
#include "netns/moved_link.hpp"
#include "netns/network_config.hpp"
#include "netns/teardown.hpp"

namespace mr::netns {

// One apply()'s shared steps: every change is recorded in `journal` (and flushed) before
// it is made, and every step counts in one fault-injection sequence (base/fault.hpp).
class CreateContext {
 public:
  CreateContext(ApplyTargets& t, Journal& j) : targets(t), journal(j) {}

  // Step `seq` lends host device `index`: the lease is recorded in the journal, then
  // taken; another container holding the device refuses it here.
  Result<void> lease(uint64_t seq, int index, LeaseRole role, const std::string& device);
  // Step `seq` made no change: nothing to undo, and nothing held.
  Result<void> drop(uint64_t seq);
  // drop(seq), then fail with `e` (or with drop's own failure).
  std::unexpected<Error> void_step(uint64_t seq, Error e);

  ApplyTargets& targets;
  Journal& journal;
  FaultInjector faults;
  Leases leases{default_lease_dir()};
  std::vector<uint64_t> stays;  // steps done once apply() succeeds: moved devices teardown leaves
};

// One undo run's shared state; a recipe's undo_device() changes nothing it has not proven
// to be what the record made (link_proof.hpp), and reports rather than fails what is
// done but not as recorded.
class UndoContext {
 public:
  UndoContext(UndoTargets& t, UndoReport& r, FaultInjector& rf) : targets(t), report(r), return_faults(rf) {}

  NlSocket* container_nl() const { return targets.container_nl; }
  void warn(std::string what) { report.warnings.push_back(sys_error(0, std::move(what))); }
  // A device gone already is undone.
  static Result<void> ignore_gone(Result<void> r) {
    if (!r && r.error().err == ENODEV) return {};
    return r;
  }

  UndoTargets& targets;
  UndoReport& report;
  // The journal being undone and the step at hand: what a step took under its own name
  // (a managed network's addresses, address_pool.hpp) is given back under it.
  std::string journal_path;
  uint64_t seq = 0;
  // MR_PAUSE_IN_RETURN=N: the Nth lent device found in the container, proven, and not
  // yet moved (a test swaps it there).
  FaultInjector& return_faults;
};

// A lookup by index that finds nothing is an answer, not a failure.
Result<std::optional<LinkInfo>> find_link_index(NlSocket& s, int index);

// A link of another kind under the name or index is not the one the journal means.
Result<std::optional<LinkInfo>> if_kind(Result<std::optional<LinkInfo>> link, const std::string& kind);

}  // namespace mr::netns
