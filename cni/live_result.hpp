// The ADD result read off the container's live network (the service's view, which the
// kernel filled in), and what CHECK finds changed against a recorded result. Pure.
#pragma once

#include <string>
#include <vector>

#include "cni/protocol.hpp"
#include "netns/address_pool.hpp"
#include "netns/inspect.hpp"

namespace mr::cni {

// The attachment `ifname` as a result: a veth's host end (interface 0, on the host; a
// moved device or a macvlan has none) and the device in `sandbox` with its MAC and MTU;
// its global addresses, each with the gateway of the subnet of `subnets` it is in; the
// routes through it but the kernel's; the gateways as name servers when the network
// answers names (`dns`). Empty interfaces when `ifname` is not a device the journal made.
AddResult live_result(const netns::ContainerNetworkView& view, const std::string& ifname, const std::string& sandbox,
                      const std::vector<netns::PoolSubnet>& subnets, bool dns);

// What a delegated IPAM plugin said that the kernel does not hold: the gateway of each
// address it handed out, and its DNS.
void add_ipam_details(AddResult& live, const AddResult& ipam);

// What differs between the `recorded` result of an ADD and the `live` one, in words
// ("eth0: address 10.89.1.2/24 is missing"); empty when nothing does. Gateways of ips
// and name servers are the network's, not the namespace's, and are not compared.
std::vector<std::string> differences(const AddResult& recorded, const AddResult& live, const std::string& ifname);

// `recorded` with the MAC and MTU that `prev` (CHECK's prevResult: the chain's last
// result) gives `ifname`: a later plugin of the chain may change them (tuning's "mac" and
// "mtu") and says so in its result. A MAC it does not give stays ours; an MTU it does not
// give (no result before 1.1.0 has one) is not compared, as the chain may have changed it.
AddResult with_chain_changes(AddResult recorded, const AddResult& prev, const std::string& ifname);

// What `prev` (CHECK's prevResult: the chain's last result, SPEC.md) expects of
// `ifname` that the live result lacks: the interface itself, or an address of it.
std::vector<std::string> missing_from_prev_result(const AddResult& prev, const AddResult& live, const std::string& ifname);

}  // namespace mr::cni
