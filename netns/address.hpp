// Interface addresses, IPv4 and IPv6, one rtnetlink request per function.
#pragma once

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;

// An address lifetime in seconds (IFA_CACHEINFO); this one is forever.
inline constexpr uint32_t kForever = 0xffffffff;

struct AddressOptions {
  uint8_t scope = RT_SCOPE_UNIVERSE;
  // IPv6 only: skip duplicate address detection, so the address can be bound at once
  // instead of staying "tentative" for a second or more.
  bool no_dad = false;
  std::optional<IpAddress> broadcast;  // IPv4 only
  // To put back an address as it was:
  std::optional<IpAddress> peer;  // the other end of a point-to-point address (IFA_ADDRESS)
  std::string label;              // IPv4 only (IFA_LABEL); "" gives the device's name
  uint32_t flags = 0;             // further IFA_F_* asked for (kSettableAddressFlags)
  uint32_t rt_priority = 0;       // the metric of its prefix route (IFA_RT_PRIORITY)
  uint8_t proto = 0;              // who added it (IFA_PROTO)
  uint32_t valid_lft = kForever;  // seconds left; finite ones are not IFA_F_PERMANENT
  uint32_t preferred_lft = kForever;
};

// The IFA_F_* an RTM_NEWADDR request can ask for: what inet6_rtm_newaddr() keeps of
// them. The others are the kernel's own state (secondary, tentative, deprecated, DAD
// failed; permanent follows the lifetime).
inline constexpr uint32_t kSettableAddressFlags =
    IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN;

struct AddressInfo {
  int index = 0;       // the link's ifindex
  IpPrefix prefix;     // the address (IFA_LOCAL) and its prefix length
  uint8_t scope = 0;   // RT_SCOPE_*
  uint32_t flags = 0;  // IFA_F_*
  std::optional<IpAddress> broadcast;
  std::optional<IpAddress> peer;  // IFA_ADDRESS when it is not IFA_LOCAL
  std::string label;              // IFA_LABEL (IPv4); the kernel gives the device's name
  uint32_t rt_priority = 0;
  uint8_t proto = 0;              // IFAPROT_*
  uint32_t valid_lft = kForever;  // seconds left when listed
  uint32_t preferred_lft = kForever;

  bool permanent() const { return flags & IFA_F_PERMANENT; }
  // What add_address() needs to put this address back as it was, with the lifetime it
  // had left when listed; not the label, which names the device it was on.
  AddressOptions options() const;
};

// When address lifetimes were read. The kernel counts them down in jiffies, which stop
// while the machine is suspended, as CLOCK_MONOTONIC does; the boot id tells a reading
// of another boot, whose clock means nothing now.
struct LifetimeClock {
  std::string boot_id;  // /proc/sys/kernel/random/boot_id
  uint64_t seconds = 0;  // CLOCK_MONOTONIC

  static Result<LifetimeClock> now();
  // Seconds since `then`, or nothing when `then` is of another boot.
  std::optional<uint64_t> since(const LifetimeClock& then) const;
};

Result<void> add_address(NlSocket& s, int index, const IpPrefix& prefix, const AddressOptions& opts = {});
Result<void> delete_address(NlSocket& s, int index, const IpPrefix& prefix);
// The addresses of one link (index > 0) or of all links (0), of one family or all.
Result<std::vector<AddressInfo>> list_addresses(NlSocket& s, int index = 0, int family = AF_UNSPEC);

// The addresses a device would lose when it moves to another namespace and that can be
// put back: all but those the kernel makes itself, which it makes again. Those are the
// IPv6 link-local ones, SLAAC ones (IFA_PROTO kernel_ra: addrconf_prefix_rcv_add_addr())
// and privacy ones (IFA_F_TEMPORARY: ipv6_create_tempaddr()). An address added with a
// finite lifetime is not IFA_F_PERMANENT either (inet6_addr_add()) and is kept, with
// the time it has left. Before Linux 5.18, which has no IFA_PROTO, a SLAAC address
// looks like one of those: it is kept too, and the next router advertisement refreshes
// it as its own.
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
