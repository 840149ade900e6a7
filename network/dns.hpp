// Name resolution on managed networks, through Debian's aardvark-dns driven the way
// podman's network stack (netavark) drives it: a configuration directory per host
// namespace with one file per network (its gateways, then one line per container:
// id, IPv4 addresses, IPv6 addresses, names), one server for all of them listening on
// each network's gateways, port 53; started when the first network has a member,
// told to read its files again (SIGHUP) on each join and leave, stopped with the last.
//
// A network's file is not edited line by line: it is written again from the network's
// pool (netns/address_pool.hpp), whose live members are the truth. A container that
// died without leaving is gone from it at the next join or leave of its network.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::network {

// Where the servers' directories live: one per host namespace, named by its cookie.
// MR_DNS_DIR overrides it (tests only).
std::string default_dns_root();
// The aardvark-dns binary: MR_AARDVARK_DNS (tests only), else Debian's.
std::string aardvark_binary();

struct DnsNetwork {
  std::string name;      // the file's name, as aardvark-dns calls the network
  std::string pool_dir;  // its pool: who is on it
  std::vector<netns::IpAddress> gateways;  // where the server answers for it
};

// The DNS directory of the host namespace of `host`.
Result<std::string> dns_dir_of(netns::NlSocket& host);

// Writes the network's file again from its pool and has the server read it: started if
// it is not running, stopped if no network has a member any more. Without gateways (a
// leave, which knows only the pool) those of the network's file; no file, nothing to do.
Result<void> refresh_dns(netns::NlSocket& host, const DnsNetwork& net);

// The /etc/resolv.conf of a container on networks with DNS: their gateways, then the
// host's own search domains and options (never the host's servers: the gateway's server
// forwards what is not a container's name to them).
std::string resolv_conf_for(const std::vector<netns::IpAddress>& gateways, const std::string& host_resolv_conf);

}  // namespace mr::network
