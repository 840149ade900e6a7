// netns-hook under fault injection, with the spec of every kind of step (recovery_host.hpp):
// a configure that fails at any step exits 1 and leaves the host and the hook's --root as
// they were; one SIGKILLed between any two steps leaves what its poststop brings back in
// full, whether the runtime passes no pid (runc, podman) or the dead init's (crun). After
// poststop no process holds the container's namespace and no pin is left mounted.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "support/hook_helpers.hpp"
#include "support/recovery_host.hpp"

using namespace mr::test;

namespace {

const std::string kId = "hook-ctr";

// The recovery host and full spec, and netns-hook (whose command line is runc's:
// `netns-hook --root ROOT ...`) with its --root in the test's directory.
struct HookRecovery : RecoveryFixture {
  std::string hook_root = tmp.path() + "/hook-root";
  RuntimeCli hook{sb, hook_root, MR_NETNS_HOOK};

  HookRecovery() {
    kept_mounts.push_back(hook_root);
    write_full_spec();
    b.write();
  }
  // A failed check may leave a pin: TempDir cannot remove a mount point.
  ~HookRecovery() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(hook_root, ec))
      (void)mr::netns::Netns::unpin(entry.path().string() + "/netns");
  }
  std::string state(const std::string& status, pid_t pid) { return oci_state(kId, status, pid, b.dir); }
  // picture(), plus what the hook keeps under its --root (made by the first configure,
  // as runc's --root, and empty when no container is configured).
  std::string hook_picture() {
    std::string out = picture();
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(hook_root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      out += "hook-root " + it->path().lexically_relative(hook_root).string() + "\n";
    return out;
  }
  std::string settled_hook_picture(const std::string& expected) {
    return settled(sb.host(), expected, [&] { return hook_picture(); });
  }
};

ino_t netns_inode(pid_t pid) {
  struct stat st{};
  REQUIRE(::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) == 0);
  return st.st_ino;
}

// For every step: configure killed there, the container's processes gone, then poststop
// with the dead init's pid in the state, or none. The host, the mounts and the
// --root are as before, and nothing holds the namespace.
void killed_at_each_step(HookRecovery& f, bool dead_pid_in_poststop) {
  require_fault_injection();
  const std::string before = f.hook_picture();
  int steps = each_step([&](int n) {
    StandInContainer ctr;
    const pid_t pid = ctr.pid();
    const ino_t ns = netns_inode(pid);
    const uint64_t cookie = netns_cookie(MUST(mr::netns::Netns::open_pid(pid)));
    auto run = pause_at_step(f.hook, {}, n, "MR_PAUSE_AT_STEP", f.state("created", pid));
    if (run.paused) kill_paused(run);
    else CHECK(run.status == 0);  // past the last step: a normal configure
    CHECK_FALSE(holders_of_netns(ns, cookie).empty());  // its process, at least
    ctr.release();
    auto undone = f.hook({}, f.state("stopped", dead_pid_in_poststop ? pid : 0));
    INFO(undone.err);
    CHECK(undone.status == 0);
    CHECK(undone.err.empty());
    CHECK(holders_of_netns(ns, cookie) == std::vector<std::string>{});
    CHECK(f.settled_hook_picture(before) == before);  // no pin mounted, nothing under ROOT
    return run.paused;
  });
  CHECK(steps == RecoveryFixture::kFullSpecSteps);
}

}  // namespace

TEST_CASE_FIXTURE(HookRecovery, "netns-hook: a configure failing at any step exits 1 and leaves host and root as they were") {
  require_fault_injection();
  const std::string before = hook_picture();
  int steps = each_step([&](int n) {
    StandInContainer ctr;
    Outcome o;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      o = hook({}, state("created", ctr.pid()));
    }
    INFO(o.err);
    if (o.status == 0) {
      REQUIRE(hook({}, state("stopped", 0)).status == 0);
      return false;
    }
    CHECK(o.status == 1);
    CHECK(o.err.starts_with("netns-hook: error: "));
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);  // one line
    CHECK(o.err.find("injected fault at step " + std::to_string(n)) != std::string::npos);
    CHECK(settled_hook_picture(before) == before);
    auto inside = container_space(ctr.pid());
    CHECK(link_names(inside) == std::vector<std::string>{"lo"});  // the macvlan and the veth gone, nic0 home
    return true;
  });
  CHECK(steps == kFullSpecSteps);
  CHECK(settled_hook_picture(before) == before);
}

TEST_CASE_FIXTURE(HookRecovery, "netns-hook: a configure killed at any step, then poststop without a pid (runc): all back") {
  killed_at_each_step(*this, false);
}

TEST_CASE_FIXTURE(HookRecovery, "netns-hook: a configure killed at any step, then poststop with the dead pid (crun): all back") {
  killed_at_each_step(*this, true);
}
