// A host device lent to a container: what it was on the host, moving it in, and giving
// it back as it was. A device's ifindex is its identity across the move: we choose it
// (IFLA_NEW_IFINDEX, see __dev_change_net_namespace()) so that a later process finds
// exactly this device again, whatever the workload renamed in between.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/journal_format.hpp"
#include "netns/link.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;
struct LentPlaces;

// The host state of a device, for a ReturnLink record: name, index, kind, MTU, MAC,
// up/down, and what the move loses (capture_link_config(): addresses, routes, master,
// neighbour entries, sysctls). Targeted requests only: nothing else on the host is read.
Result<ReturnLink> capture_host_link(NlSocket& host, std::string_view name);

// The first of `preferred` (non-zero entries) that no link of the namespace of `s` uses,
// else an index far above those the kernel hands out in order.
Result<int> choose_free_ifindex(NlSocket& s, std::initializer_list<int> preferred);

// Moves link `index` from the namespace of `from` into `to` and, in the same request,
// renames it (a "%d" template lets the kernel pick), sets MTU and MAC and brings it up:
// do_setlink() changes the namespace first and the flags last. `new_index` (0: let the
// kernel choose) is the ifindex it gets in `to`.
Result<void> move_link_with(NlSocket& from, int index, const Netns& to, const LinkSettings& settings,
                            int new_index);

// The name a device returns under when its own name is taken on the host meanwhile.
std::string fallback_name(const ReturnLink& r);

struct ReturnedLink {
  std::string name;      // the name it has on the host now
  bool fallback = false; // its original name was taken
  // What it came back without (restore_link_config()), one line each. The device is
  // home all the same: these are reported, not retried.
  std::vector<Error> not_restored;
};

// Gives the device, link `ctr_index` in the container (where locate() found it, proven),
// back to the host under its original name (else fallback_name(), else a kernel-chosen
// "mrret%d"), checks its proof again there, and restores its MTU, MAC, addresses,
// routes and up/down state. A link that fails the second check is sent back to the
// container untouched, and the return fails (EPERM).
Result<ReturnedLink> return_link(const ReturnLink& r, int ctr_index, LentPlaces& at);

// Puts a device that is already on the host (link `index`) back into its recorded
// state: name (renamed if it came home under another), MTU, MAC, up/down, and what
// restore_link_config() puts back. Repeating it changes nothing.
Result<ReturnedLink> restore_home_link(NlSocket& host, int index, const ReturnLink& r);

}  // namespace mr::netns
