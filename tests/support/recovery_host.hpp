// What the recovery, concurrency and hostile-input tests share: a sandbox host with
// devices for every kind of network step, the spec that uses them all, a picture of
// everything the runtime may leave behind, and mini-runc runs that crash on purpose.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/cgroup_helpers.hpp"
#include "support/runtime_harness.hpp"
#include "support/scoped_env.hpp"

namespace mr::test {

// A runtime fixture whose sandbox host has nic0 (192.0.2.10/24, a static route through
// it) to move, nic2 to parent a macvlan and br0 (MAC set) for a veth.
struct RecoveryFixture : MiniRuncFixture {
  RecoveryFixture();
  // The spec of every step: a moved device, a macvlan, a veth on br0 with a host
  // address, addresses of both families, routes and a sysctl; written to bundle/network.json.
  void write_full_spec();
  // Its fault-injection steps: lo, 3 devices, the veth's host address, 5 addresses,
  // 3 devices up, 3 routes, 1 sysctl.
  static constexpr int kFullSpecSteps = 17;
  // Everything of the host a container can change or leave behind: links, addresses,
  // routes (host_state()) and the mounts under this test's directory, but for the state
  // roots' own (kept_mounts).
  std::string picture();
  // With it, picture() also holds the sandbox host's whole nftables ruleset, as nft
  // lists it (managed networks' tests: every table, ours and the host's).
  bool picture_ruleset = false;
  // The state roots: mini-runc and netns-hook make their --root a shared mount point at
  // their first create or configure, and keep it, as `ip netns` keeps /run/netns.
  std::vector<std::string> kept_mounts{runc.root()};
  // The cgroups of this root's containers: in picture(), and removed at the end.
  RootCgroups root_cgroups{runc.root()};
  // picture(), once it equals `expected` (see settled_host_state()).
  std::string settled_picture(const std::string& expected);
  // ROOT/ID exists.
  bool has_state(const std::string& id);
  // The refusal contract of bad input: exit status 1, `lines_expected` lines on stderr
  // (1 but for validate on input with several problems) starting "mini-runc: error: ",
  // a bounded peak RSS, picture() equal to `before` and no state directory for `id`.
  // Returns the first line.
  std::string refused(const Outcome& o, const std::string& before, const std::string& id, size_t lines_expected = 1);
};

// Mount points listed in /proc/self/mountinfo under `prefix` (other tests run beside
// this one in the same mount namespace, so only this test's directory is compared),
// but for those at `kept` (state roots, see RecoveryFixture::kept_mounts).
std::vector<std::string> mounts_under(const std::string& prefix, const std::vector<std::string>& kept = {});

// Fails the test unless this build honours MR_FAIL_AT_STEP and MR_PAUSE_AT_STEP.
void require_fault_injection();

// Calls `at_step(n)` for n = 1, 2, ... until it returns false (the run it made got past
// its last step) and returns the number of steps before that; fails the test if that
// never happens within a bound.
int each_step(const std::function<bool(int)>& at_step);

// `mini-runc ARGS` started with MR_PAUSE_AT_STEP=step, once it has either paused at that
// step of its network setup (and blocks there, its pid still unreaped) or finished.
struct PausedRun {
  pid_t pid = 0;
  bool paused = false;
  int status = -1;  // when it finished first
  UniqueFd resume;  // a byte written here lets it go on (MR_RESUME_FD)
  UniqueFd err;     // its stderr, a memory file
};
// `pause_env` names the step counter: MR_PAUSE_AT_STEP (setup) or MR_PAUSE_AT_UNDO_STEP.
// `stdin_data` as RuntimeCli::spawn (a RuntimeCli running netns-hook takes the OCI state there).
PausedRun pause_at_step(RuntimeCli& runc, const std::vector<std::string>& args, int step,
                        const char* pause_env = "MR_PAUSE_AT_STEP", const std::string& stdin_data = {});

// The same, and SIGKILLed where it paused: nullopt; or its exit status if it finished.
std::optional<int> crash_at_step(RuntimeCli& runc, const std::vector<std::string>& args, int step);

// SIGKILLs a paused run and reaps it.
void kill_paused(const PausedRun& run);
// Lets a paused run go on past its step and returns how it ended (stdout not kept).
Outcome resume_paused(PausedRun& run);

// Processes holding an fd (or a namespace link) to net namespace `inode`: "PID fd N".
std::vector<std::string> holders_of_netns(ino_t inode);

// The kernel's cookie of a network namespace (SO_NETNS_COOKIE): unlike its inode number,
// never given to another namespace once it is freed.
uint64_t netns_cookie(const netns::Netns& ns);
// holders_of_netns() of the namespace with `inode` and `cookie`: a namespace made later
// by a test running beside this one may have been given the freed inode number.
std::vector<std::string> holders_of_netns(ino_t inode, uint64_t cookie);

}  // namespace mr::test
