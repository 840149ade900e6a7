// Interface addresses, IPv4 and IPv6, one rtnetlink request per function.
#pragma once

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "netns/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;

struct AddressOptions {
  uint8_t scope = RT_SCOPE_UNIVERSE;
  // IPv6 only: skip duplicate address detection, so the address can be bound at once
  // instead of staying "tentative" for a second or more.
  bool no_dad = false;
  std::optional<IpAddress> broadcast;  // IPv4 only
};

struct AddressInfo {
  int index = 0;       // the link's ifindex
  IpPrefix prefix;     // the address and its prefix length
  uint8_t scope = 0;   // RT_SCOPE_*
  uint32_t flags = 0;  // IFA_F_*
  std::optional<IpAddress> broadcast;

  bool permanent() const { return flags & IFA_F_PERMANENT; }
  // What add_address() needs to put this address back as it was.
  AddressOptions options() const;
};

Result<void> add_address(NlSocket& s, int index, const IpPrefix& prefix, const AddressOptions& opts = {});
Result<void> delete_address(NlSocket& s, int index, const IpPrefix& prefix);
// The addresses of one link (index > 0) or of all links (0), of one family or all.
Result<std::vector<AddressInfo>> list_addresses(NlSocket& s, int index = 0, int family = AF_UNSPEC);

// The addresses a device would lose when it moves to another namespace and that can be
// put back: all but IPv6 link-local ones (the kernel makes those anew) and IPv6
// addresses the kernel configured itself (SLAAC, not IFA_F_PERMANENT).
Result<std::vector<AddressInfo>> capture_addresses(NlSocket& s, int index);

// What the runtime-spec has a linux.netDevices device keep: IFA_F_PERMANENT addresses of
// scope RT_SCOPE_UNIVERSE. Not link- or host-scope ones, and none with a finite lifetime:
// SLAAC, privacy (IFA_F_TEMPORARY) and DHCP-style addresses are never IFA_F_PERMANENT.
bool is_permanent_global(const AddressInfo& a);

// Moves a link into `to` (renamed to new_name if given) and puts its addresses back
// there: the kernel flushes them on a move. `to_socket` is a socket in `to`. Returns the
// addresses that were carried over.
Result<std::vector<AddressInfo>> move_link_keep_addresses(NlSocket& from, int index, const Netns& to,
                                                          NlSocket& to_socket,
                                                          std::string_view new_name = {});

AddressInfo parse_address(const nlmsghdr* h);

}  // namespace mr::netns
