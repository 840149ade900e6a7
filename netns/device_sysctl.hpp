// A device's own sysctls (net.ipv4.conf.DEV.*, net.ipv6.conf.DEV.*). They live in the
// device's in_device and inet6_dev, which the kernel frees when the device leaves its
// namespace and makes anew, from the new namespace's "default" values, when it arrives
// (inetdev_init(), ipv6_add_dev()): a device lent to a container comes back with the
// host's defaults unless they are put back.
//
// Both sets come in every RTM_GETLINK answer (IFLA_AF_SPEC: AF_INET's IFLA_INET_CONF
// and AF_INET6's IFLA_INET6_CONF, arrays indexed by IPV4_DEVCONF_* - 1 and DEVCONF_*),
// so recording them costs no request.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

struct DeviceSysctls {
  std::vector<int32_t> ipv4;  // [i] is IPV4_DEVCONF_(i + 1); empty: not recorded
  std::vector<int32_t> ipv6;  // [i] is DEVCONF_i; empty: not recorded (or no IPv6)

  bool empty() const { return ipv4.empty() && ipv6.empty(); }
};

// The values in an RTM_NEWLINK message (a GETLINK answer).
DeviceSysctls parse_device_sysctls(const nlmsghdr* h);

// Puts back, on link `index` (named `name`) in the namespace of `s`, each value of
// `want` that differs from what the device has now: IPv4 ones in one RTM_SETLINK
// (inet_set_link_af()), but forwarding through /proc, whose handler also turns LRO
// off as the kernel does for a forwarding device; IPv6 ones through
// /proc/sys/net/ipv6/conf/NAME/KEY, since the kernel takes IFLA_INET6_CONF in no
// request (inet6_set_link_af() reads only the token and the address generation mode).
// disable_ipv6 goes first. Read-only and special keys (mc_forwarding, stable_secret)
// are never written. Returns a line for each key that could not be put back; an error
// only when the device's current values cannot be read.
Result<std::vector<Error>> restore_device_sysctls(NlSocket& s, int index, const std::string& name,
                                                  const DeviceSysctls& want);

// "net.ipv4.conf.NAME.rp_filter", "net.ipv6.conf.NAME.accept_ra" for messages;
// "net.ipv6.conf.NAME.devconf 63" for an index this build has no name for.
std::string ipv4_sysctl_name(const std::string& dev, size_t i);
std::string ipv6_sysctl_name(const std::string& dev, size_t i);

}  // namespace mr::netns
