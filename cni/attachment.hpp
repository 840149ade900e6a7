// ADD, DEL and CHECK of one attachment (CNI_CONTAINERID, CNI_IFNAME): to a managed network
// (netdef/), or a host device moved in, a macvlan or a veth on a host bridge with a
// delegated IPAM plugin's addresses (cni/delegate.hpp), through the network service as
// netns-hook does: STATE/ID:IFNAME keeps the
// pinned namespace, the journal and the result ADD returned, and every change to it is
// made under its lock (base/dir_lock.hpp). The namespace at CNI_NETNS is the runtime's
// and outlives the attachment, so the service records it as shared: DEL deletes the
// device by hand and gives back the lease and the published ports.
#pragma once

#include <string>

#include "cni/protocol.hpp"

namespace mr::cni {

inline constexpr const char* kDefaultStateDir = "/run/mini-runc-cni";

// The configuration's stateDir and networkDir, or their defaults.
std::string state_dir_of(const NetConf& conf);
std::string network_dir_of(const NetConf& conf);

// STATE/ID:IFNAME (':' is in neither a container id nor an interface name).
std::string attachment_dir(const NetConf& conf, const Environment& env);

// Joins the network (a veth named CNI_IFNAME in the namespace at CNI_NETNS, addresses
// from the network's pool, its ports published), or puts the configuration's host device
// kind there as CNI_IFNAME. On failure the host is as it was, and IPAM given back.
Outcome<AddResult> add(const Environment& env, const NetConf& conf);

// Gives back what ADD took. Succeeds when there is nothing to give back: an unknown
// attachment, a second DEL, a namespace the runtime has removed already (the pin kept
// it for this). A delegated IPAM plugin's DEL runs in every case.
Outcome<void> del(const Environment& env, const NetConf& conf);

// Compares the namespace with what ADD recorded, and with the addresses prevResult
// gives CNI_IFNAME when there is one: fails in one line naming each difference. Code 3
// for an attachment ADD never made.
Outcome<void> check(const Environment& env, const NetConf& conf);

// GC (SPEC.md 1.1.0): gives back every attachment of this network configuration (by its
// name) that is not in cni.dev/valid-attachments, as DEL would; attachments of other
// configurations, and those an ADD or DEL holds at the moment, are left alone.
Outcome<void> gc(const NetConf& conf);

}  // namespace mr::cni
