// Network sysctls of one namespace. /proc/sys/net shows the namespace of the process that
// opens a file in it (the net sysctl tables are looked up per opener, see
// net/sysctl_net.c), so the file is opened from inside the namespace.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr::netns {

class Netns;

// The /proc/sys path of a network sysctl key. "net.ipv4.ip_forward" uses dots; a key
// with '/' ("net/ipv4/conf/eth0.100/forwarding") uses slashes, so that dotted device
// names can be named. Only net.* keys; no empty, "." or ".." components.
Result<std::string> sysctl_path(std::string_view key);

Result<void> write_sysctl(const Netns& ns, std::string_view key, std::string_view value);
Result<std::string> read_sysctl(const Netns& ns, std::string_view key);  // without the final newline

}  // namespace mr::netns
