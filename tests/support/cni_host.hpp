// The world of the CNI plugin's tests: the managed-network fixture's sandbox host (its
// picture holds the nftables ruleset), a plugin state directory of the test's own, and
// pods: network namespaces bind-mounted at a path, as a runtime hands them to a plugin
// in CNI_NETNS. The plugin runs in the sandbox host, its parameters in its environment.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include <vector>

#include "support/managed_host.hpp"
#include "support/scoped_env.hpp"

namespace mr::test {

struct CniRun {
  int status = -1;
  std::string out;  // stdout as written
  std::string err;
  nlohmann::json json() const;  // stdout parsed; fails the test when it is not JSON
};

struct CniPod {
  Space space;
  std::string path;  // its bind mount: CNI_NETNS
};

struct CniFixture : ManagedFixture {
  CniFixture();
  std::string state = tmp.file("cni-state");

  // A new namespace pinned at tmp/pods/NAME, as `ip netns add` does under /run/netns.
  CniPod pod(const std::string& name);
  // The runtime removes it: its bind mount goes, and with `space` the test's last fd.
  void remove_pod(CniPod& pod);
  // The plugin configuration of an attachment to managed network `network`, kept in
  // this test's network directory and state directory.
  nlohmann::json config(const std::string& network, const std::string& version = "1.0.0");
  // The plugin with exactly the CNI_* variables of `cni` (the test's other variables
  // are passed on) and `stdin_text`.
  CniRun cni(const std::map<std::string, std::string>& cni_env, const std::string& stdin_text);
  // ADD, DEL or CHECK of (id, ifname) in the namespace at `netns` ("": none given).
  CniRun run(const std::string& command, const std::string& id, const std::string& netns, const std::string& ifname,
             const nlohmann::json& conf);
  // The state directory of (id, ifname) exists.
  bool attached(const std::string& id, const std::string& ifname);
};

// The plugin run by a real client (podman, containerd's ctr, libcni), in the client's
// mount namespace, where /run is not the test's: so device leases and address pools are
// kept in this test's directory (MR_LEASE_DIR, MR_POOL_DIR; a client passes its whole
// environment on to its plugins), where the test, mini-runc and the plugin all find them.
struct CniClientFixture : CniFixture {
  CniClientFixture();
  ScopedEnv leases_here{"MR_LEASE_DIR", tmp.file("leases")};
  ScopedEnv pools_here{"MR_POOL_DIR", tmp.file("pools")};
  // A network configuration list `name` of one plugin, ours, joining managed network
  // `network`, with the portMappings capability.
  nlohmann::json conflist(const std::string& name, const std::string& network);
  // What attachments hold on the host, sorted: "address A: ID" for each address held in
  // a pool, "device lease KEY: ID" for each device lease.
  std::vector<std::string> holdings();
  // What an attachment of container `id` holds once joined: eth0 in `pod`, up, with
  // `address` ("10.89.41.2/24") alone and a default route through `gateway`; the address
  // held in its network's pool and the host end of the veth leased, both by `id`.
  void check_joined(Space& pod, const std::string& address, const std::string& gateway, const std::string& id);
};

// The elements of set or map `name` in a ruleset listing (ruleset_of(), or our table's).
nlohmann::json nft_elements(const std::string& listing, const std::string& name);

// The published-port element of a dnat map for `port` of `proto`, as nft lists it, owned
// by container `id`, mapped to `value`.
nlohmann::json port_element(uint16_t port, const std::string& id, nlohmann::json value, const char* proto = "tcp");

}  // namespace mr::test
