// The world of the managed-network tests through the mini-runc binary: the recovery
// fixture's sandbox host (a picture of it that holds its nftables ruleset too), a network
// directory and DNS state of the test's own, and an "internet" namespace behind the
// host's uplink (203.0.113.1 on the host's "uplink", 203.0.113.2 on the internet's
// "wan0"; the host's default route goes there).
#pragma once

#include <string>
#include <vector>

#include "support/recovery_host.hpp"
#include "support/sandbox.hpp"

namespace mr::test {

inline const char* kHostUplinkIp = "203.0.113.1";
inline const char* kInternetHostIp = "203.0.113.2";

struct ManagedFixture : RecoveryFixture {
  ManagedFixture();
  // An aardvark-dns left by a failed check would hold the sandbox's namespace.
  ~ManagedFixture();
  // mini-runc --network-dir DIR ARGS.
  Outcome mr(std::vector<std::string> args);
  // bundle/network.json written with `json`, and config.json with a workload that
  // waits to be stopped.
  void write_spec(const std::string& json);
  // `mini-runc create` of the bundle as `id`; fails the test if it fails.
  void create(const std::string& id);

  ScopedEnv dns_here{"MR_DNS_DIR", tmp.file("dns")};
  std::string networks = tmp.file("networks");
  Space internet = sb.child();
};

}  // namespace mr::test
