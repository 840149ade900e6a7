// Which container holds a host device. Devices of one host are lent by several front
// doors (mini-runc under any --root, netns-hook under any --root), so one registry on
// the host records every lending, and a device another container holds is never moved
// into a second one, attached to it, or used as its macvlan's parent.
//
// A lease is a file in a directory per device: DIR/<host netns cookie>-<ifindex>/<holder>,
// found from the device itself in O(1), never by reading every container's state. The
// holder is a step of a container's undo journal (its path and sequence number); a lease
// whose step is done, or whose journal is gone, is stale and is cleared by the next
// claim, so a crash between a change and its lease, or between an undo and the
// release, costs nothing but a file; the teardown that removes the journal releases
// every lease it names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

// Whether step `seq` of the journal at `journal_path` still holds what it took: the
// journal is there (or cannot be read: then it is taken to hold) and the step is not done.
bool journal_step_pending(const std::string& journal_path, uint64_t seq);

// Where the leases of this host live. MR_LEASE_DIR overrides it (tests only).
std::string default_lease_dir();

// A device of one host namespace: the namespace's cookie (SO_NETNS_COOKIE, never
// reused while the system runs) and the device's ifindex there.
struct LeaseKey {
  uint64_t netns_cookie = 0;
  int ifindex = 0;
};
// The key of link `ifindex` of the namespace of `s`.
Result<LeaseKey> lease_key(NlSocket& s, int ifindex);

enum class LeaseRole : uint8_t {
  moved,     // lent to the container whole: nobody else may have it
  veth_end,  // the host end of the container's veth: nobody else may have it
  parent,    // the parent of the container's macvlan: shared with other macvlans, never moved
};

// Whether a device held as `held` cannot also be had as `wanted`: only a macvlan's
// parent is shared, and only with other macvlans.
bool excludes(LeaseRole held, LeaseRole wanted);

std::string_view to_string(LeaseRole r);  // "moved", "veth_end", "parent"
Result<LeaseRole> parse_lease_role(std::string_view text);

struct LeaseHolder {
  std::string journal;    // ROOT/ID/network.journal of the container that holds it
  uint64_t seq = 0;       // the journal's step that lends it
  std::string id;         // the container's id, for messages
  std::string device;     // the device's host name when it was lent, for messages
  LeaseRole role = LeaseRole::moved;
};

// "container "web" (mini-runc, /run/mini-runc) holds it as a macvlan's parent".
std::string describe(const LeaseHolder& h);

class Leases {
 public:
  explicit Leases(std::string dir) : dir_(std::move(dir)) {}

  // Records that `h` holds `key`. Fails (EBUSY, naming the holder) when a live holder's
  // use conflicts with this one: anything with moved or veth_end, and parent with
  // moved or veth_end. Atomic against other claims of the same key (flock).
  Result<void> claim(const LeaseKey& key, const LeaseHolder& h);
  // Lets go of what `h` holds of `key`; nothing held is not an error.
  Result<void> release(const LeaseKey& key, const LeaseHolder& h);
  // The live holders of `key`, other than `self` (a journal path) if given.
  Result<std::vector<LeaseHolder>> holders(const LeaseKey& key, const std::string& self = {});
  // Every live holder of a device of host namespace `netns_cookie` lent under the host
  // name `device`, for the refusal of a device that is not on the host: it reads every
  // lease of that namespace, so only on that path. A device of the same name lent from
  // another host namespace (another sandbox, another test) is not this one.
  Result<std::vector<LeaseHolder>> holders_of_name(uint64_t netns_cookie, const std::string& device);

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// The text form of a holder's file, and back (tests and the fuzz target read it too).
std::string encode_lease(const LeaseHolder& h);
Result<LeaseHolder> decode_lease(std::string_view text);

}  // namespace mr::netns
