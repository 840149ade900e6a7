// The world of the CNI plugin's tests: the managed-network fixture's sandbox host (its
// picture holds the nftables ruleset), a plugin state directory of the test's own, and
// pods: network namespaces bind-mounted at a path, as a runtime hands them to a plugin
// in CNI_NETNS. The plugin runs in the sandbox host, its parameters in its environment.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/managed_host.hpp"

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

// The elements of set or map `name` in a ruleset listing (ruleset_of(), or our table's).
nlohmann::json nft_elements(const std::string& listing, const std::string& name);

}  // namespace mr::test
