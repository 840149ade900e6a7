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

#include "netns/address.hpp"
#include "netns/device_sysctl.hpp"
#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/lease.hpp"
#include "netns/link.hpp"
#include "netns/link_proof.hpp"
#include "netns/neighbour.hpp"
#include "netns/route.hpp"

namespace mr::netns {

inline constexpr std::string_view kJournalHeader = "mr-journal 1";

// Give a moved device back to the host as it was.
struct ReturnLink {
  std::string ctr_name;  // the name asked for in the container (may be a "%d" template)
  int ctr_index = 0;     // the ifindex it was given in the container: its identity there
  std::string host_name;
  int host_index = 0;
  std::string kind;      // IFLA_INFO_KIND on the host, checked before taking it back
  // What proves a device found later to be this one (link_proof.hpp); kind none in
  // records written before proofs were, and for linux.netDevices, which are not given back.
  LinkProof proof;
  uint32_t mtu = 0;
  std::optional<MacAddress> mac;
  bool up = false;
  std::vector<AddressInfo> addresses;  // what the move flushed and undo puts back
  std::vector<Route> routes;           // routes through it, in every table, that the move dropped
  // What else the move loses (netns/link_config.hpp). A record of an older version has
  // none of these, and gets back what that version restored.
  std::optional<MasterLink> master;    // the bridge or bond it was a port of
  std::vector<Neighbour> neighbours;   // permanent, no-ARP and proxy entries
  DeviceSysctls sysctls;
  std::optional<LifetimeClock> clock;  // when the addresses' lifetimes were read, if finite
};

// Delete a veth pair by its host end (the container end goes with it).
struct DeleteVeth {
  std::string host_name;
  std::string ctr_name;
};

// Delete a macvlan made inside the container.
struct DeleteMacvlan {
  std::string ctr_name;
  // Its parent on the host, by name and ifindex; "" and 0 in records written before
  // these were.
  std::string parent;
  int parent_index = 0;
};

using UndoStep = std::variant<ReturnLink, DeleteVeth, DeleteMacvlan>;

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
