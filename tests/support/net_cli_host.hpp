// What the `mini-runc net` tests start with: MiniRuncFixture's sandbox host, bundle and
// runtime, plus stand-in NICs and a bridge on that host, and ways to look at a
// container's network from outside, through the pin under --root.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/runtime_harness.hpp"

namespace mr::test {

// A workload that waits for SIGTERM (as an init it needs a handler to get it).
inline const std::vector<std::string> kWaitForTerm = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

// nic0 (198.51.100.1/24) has its wire in `peer`, at 10.0.0.2/24 and fd00::2/64; nic1 and
// nic2 are spare stand-in NICs; br0 a bridge. `before` is the host as prepared.
struct NetCliHost : MiniRuncFixture {
  Space peer = sb.child();
  std::string before;

  NetCliHost();
  // Runs mini-runc and fails the test unless it exits 0.
  Outcome ok(const std::vector<std::string>& args);
  // Runs mini-runc and checks that it refuses: exit status 1 and exactly one line on
  // stderr, a mini-runc error; returns that line.
  std::string refused(const std::vector<std::string>& args);
  // `run -d` of the bundle as `id` (`extra` flags before the id); returns the init's pid.
  int run_detached(const std::string& id, std::vector<std::string> extra = {});
  // The container's network namespace, opened through its pin, and a socket in it.
  Space pinned(const std::string& id);
  // `net show --json ID`, parsed.
  nlohmann::ordered_json show(const std::string& id);
};

// Container `id`'s network namespace, opened through its pin under `runc`'s --root, and a
// socket in it.
Space pinned(const RuntimeCli& runc, const std::string& id);

// The link of that name in a `net show --json` view; fails the test if there is none.
const nlohmann::ordered_json& shown_link(const nlohmann::ordered_json& view, const std::string& name);

}  // namespace mr::test
