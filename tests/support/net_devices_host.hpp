// The linux.netDevices tests' host device and what the container must get of it,
// shared by the tests through mini-runc and through netns-hook under runc.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>

#include "support/sandbox.hpp"

namespace mr::test {

// config.json's linux.netDevices of these tests: nic0 arrives under the kernel's name
// for the template "net%d", net0 in a namespace that has no other netN device.
inline nlohmann::json net_devices_entry() { return {{"nic0", {{"name", "net%d"}}}}; }

// Lends the host a device nic0 (a veth, wire0 its peer) with an address of each kind the
// runtime-spec tells apart: permanent global IPv4 and IPv6 (which the container gets),
// link- and host-scope IPv4, an IPv6 link-local, and global IPv4 and IPv6 with a finite
// lifetime as DHCP or SLAAC give (which it does not). Returns the host's state from
// before nic0 existed: what the host holds again once the kernel has destroyed the
// virtual nic0 with the container's namespace (wire0 goes with it).
std::string lend_net_device(Sandbox& sb);

// The container of `pid` holds net0, up, with exactly nic0's permanent global addresses
// (and the link-local address the kernel makes itself), and nic0 is gone from the host.
// `id` is unused: the signature is that of the hook tests' container checks.
void check_net_device_inside(Sandbox& sb, pid_t pid, const std::string& id);

}  // namespace mr::test
