// The undo journal's records and their text form: one record per line, so that a
// different process (the runtime's `delete`, after `create` exited) can read back how to
// undo what apply() did. The format is ours; nothing outside netns/ parses it.
//
//   mr-journal 1
//   1f2e3d4c return seq=1 ctr=eth0 ctr_index=7 host=nic0 host_index=7 kind=veth mtu=1500 ...
//   9a8b7c6d done seq=1
//
// Each line starts with an FNV-1a checksum of the rest of the line; values are
// percent-encoded so that names and addresses cannot break the line apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "netns/device_macvlan.hpp"
#include "netns/device_moved.hpp"
#include "netns/device_network.hpp"
#include "netns/device_veth.hpp"
#include "netns/lease.hpp"

namespace mr::netns {

inline constexpr std::string_view kJournalHeader = "mr-journal 1";

// One record kind per device recipe (device_*.hpp): how to undo what it made.
using UndoStep = std::variant<ReturnLink, DeleteVeth, DeleteMacvlan, LeaveNetwork>;

// A moved device's final container name, once known (after a "%d" template).
struct Arrived {
  uint64_t seq = 0;
  std::string ctr_name;
};

// The step `seq` needs no undo any more: undone, or its change never happened.
struct Done {
  uint64_t seq = 0;
};

// The step `seq` holds a lease on host device `ifindex` of the host namespace with
// `cookie` (lease.hpp): written before the lease is taken, so that undo lets go of it.
struct Leased {
  uint64_t seq = 0;
  uint64_t cookie = 0;
  int ifindex = 0;
  LeaseRole role = LeaseRole::moved;
  std::string device;  // its host name then, for messages
};

struct StepRecord {
  uint64_t seq = 0;
  UndoStep step;
};

using JournalLine = std::variant<StepRecord, Arrived, Done, Leased>;

std::string encode_journal_line(const JournalLine& line);  // with the final '\n'
// One line without its '\n'. Errors say what is wrong; the caller adds the line number.
Result<JournalLine> decode_journal_line(std::string_view line);

// A short description of a step for messages ("return nic0 (eth0 in the container)").
std::string describe(const UndoStep& step);

}  // namespace mr::netns
