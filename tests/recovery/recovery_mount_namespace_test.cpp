// A container's pin is a bind mount, seen only in the mount namespace that made it and in
// those that share its mounts. Devices lent to a container made in another mount
// namespace come back all the same: the runtime makes its root a shared mount point, and
// where the pin is still out of sight it reaches the namespace through the container's
// init, held open before the init is killed. When neither way reaches it, nothing is
// killed or removed until the administrator gives the devices up (--forget-network).
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"
#include "support/process.hpp"

using namespace mr::test;
using mr::netns::Netns;

namespace {

const std::vector<std::string> kWaiter = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

// nic0 moved in; a veth on br0 whose host end is `host_end`.
std::string move_and_veth(const std::string& host_end) {
  return R"({"version": 1, "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"]},
    {"name": "eth1", "veth": {"bridge": "br0", "hostName": ")" +
         host_end + R"("}, "addresses": ["10.4.0.2/24"]}]})";
}

void write_spec(const Bundle& b, const std::string& host_end) {
  std::ofstream(b.dir + "/network.json") << move_and_veth(host_end);
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// `runc ARGS` started in the mount namespace `ns`.
Outcome run_in(RuntimeCli runc, const MountNamespace& ns, const std::vector<std::string>& args,
               const std::string& stdin_data = {}) {
  runc.mount_ns = ns.fd.get();
  return runc(args, stdin_data);
}

// Whether link `name` has left the sandbox host, waiting on link events for the kernel's
// namespace cleanup, which deletes a dead namespace's veths in a work queue.
bool gone_from_host(Sandbox& sb, const std::string& name) {
  return settled(sb.host(), "gone", [&] { return sb.host().has_link(name) ? "there" : "gone"; }) == "gone";
}

void kill_and_wait(pid_t pid) {
  auto pidfd = open_pidfd(pid);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  wait_exit(pidfd.get());
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "a container made in a private mount namespace gives its devices back to delete --force from another") {
  b.args(kWaiter);
  b.write();
  // The private namespace gone before the delete (the pin with it: only the init holds the
  // container's namespace), or still there (its pin holds it on after the init is killed).
  for (bool private_ns_lives : {false, true}) {
    CAPTURE(private_ns_lives);
    write_spec(b, "vh-far");
    const std::string before = picture();
    const int nic0 = sb.host().link("nic0").index;
    {
      MountNamespace priv(MountNamespace::Propagation::made_private);
      auto c = run_in(runc, priv, {"create", "-b", b.dir, "far"});
      INFO(c.err);
      REQUIRE(c.status == 0);
      CHECK_FALSE(sb.host().has_link("nic0"));
      // Here the pin is the empty file under the bind mount made in `priv`.
      CHECK_FALSE(Netns::open_path(runc.root() + "/far/netns"));
      if (!private_ns_lives) {
        priv.fd.reset();
        priv.release();
      }
      auto d = runc({"delete", "--force", "far"});
      INFO(d.err);
      CHECK(d.status == 0);
      CHECK(d.err.empty());
      CHECK(host_state(sb.host()) == before);
    }
    CHECK(settled_picture(before) == before);
    CHECK(sb.host().link("nic0").index == nic0);
    CHECK_FALSE(has_state("far"));
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "a pin is seen from a mount namespace made after the root was made shared") {
  Bundle plain{tmp.path() + "/plain"};
  plain.args(kWaiter);
  plain.write();
  write_spec(b, "vh-seen");
  b.args(kWaiter);
  b.write();
  // The first create makes the root a shared mount point.
  auto first = runc({"create", "-b", plain.dir, "first"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  const std::string before = picture();
  const int nic0 = sb.host().link("nic0").index;
  // As `unshare -m --propagation unchanged` makes it: the root is a peer of ours there.
  MountNamespace later(MountNamespace::Propagation::kept);
  auto c = runc({"create", "-b", b.dir, "seen"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  pid_t init = runc.state("seen")["pid"];
  {
    auto pinned = Netns::open_path("/proc/" + std::to_string(later.pid()) + "/root" + runc.root() + "/seen/netns");
    REQUIRE_MESSAGE(pinned, pinned.error().message());
    CHECK(netns_cookie(*pinned) == netns_cookie(MUST(Netns::open_pid(init))));
  }
  // With the init gone only the pin reaches the namespace: a delete run in `later` finds
  // it, and unpinning there unpins here too.
  kill_and_wait(init);
  auto d = run_in(runc, later, {"delete", "seen"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK(d.err.empty());
  CHECK(settled_picture(before) == before);
  CHECK(sb.host().link("nic0").index == nic0);
  CHECK_FALSE(has_state("seen"));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a container whose namespace is out of reach is refused whole, then forgotten with --forget-network") {
  write_spec(b, "vh-lost");
  b.args(kWaiter);
  b.write();
  MountNamespace priv(MountNamespace::Propagation::made_private);
  auto c = run_in(runc, priv, {"create", "-b", b.dir, "lost"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  // The init gone: only the pin in `priv` holds the namespace, and it is not seen here.
  pid_t init = runc.state("lost")["pid"];
  kill_and_wait(init);
  const std::string before = picture();
  const std::string dir = runc.root() + "/lost";
  const auto files = files_in(dir);
  const std::string what = "its network namespace is out of reach (its pin " + dir +
                           "/netns is not mounted in this mount namespace and its init (pid " + std::to_string(init) +
                           ") is gone), so nic0, vh-lost cannot be given back; nothing was changed: `mini-runc --root " +
                           runc.root() + " delete --force --forget-network lost` removes the container and gives them up";

  for (bool force : {false, true}) {
    CAPTURE(force);
    auto d = runc(force ? std::vector<std::string>{"delete", "--force", "lost"} : std::vector<std::string>{"delete", "lost"});
    CHECK(d.status == 1);
    CHECK(d.err == "mini-runc: error: container \"lost\": " + what + "\n");
    CHECK(picture() == before);
    CHECK(files_in(dir) == files);
  }
  auto cleanup = runc({"cleanup"});
  CHECK(cleanup.status == 1);
  CHECK(cleanup.out == "lost: not removed: " + what + "\n");
  CHECK(picture() == before);
  CHECK(files_in(dir) == files);

  auto forgotten = runc({"delete", "--force", "--forget-network", "lost"});
  CHECK(forgotten.status == 0);
  CHECK(forgotten.err == "mini-runc: warning: container \"lost\": gave up nic0: its network namespace is out of reach; "
                         "the kernel deals with nic0 when that namespace ends\n"
                         "mini-runc: warning: container \"lost\": gave up vh-lost: its network namespace is out of "
                         "reach; the kernel deals with vh-lost when that namespace ends\n");
  CHECK_FALSE(has_state("lost"));
  // Given up: nic0 never came back. Removing the pin file detached the pin `priv` had on
  // it (a mount point unlinked in another mount namespace is detached there, since Linux
  // 3.18), so the namespace ended, and the kernel destroyed the veths with it.
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(gone_from_host(sb, "vh-lost"));
  CHECK(runc({"cleanup"}).status == 0);
}

namespace {

// netns-hook with its --root in the test's directory, for a stand-in container whose
// network it configures from a private mount namespace.
struct HookElsewhere : RecoveryFixture {
  std::string hook_root = tmp.path() + "/hook-root";
  RuntimeCli hook{sb, hook_root, MR_NETNS_HOOK};
  MountNamespace priv{MountNamespace::Propagation::made_private};
  StandInContainer ctr;

  HookElsewhere() {
    kept_mounts.push_back(hook_root);
    write_spec(b, "vh-hook");
    b.write();
  }
  std::string state(const std::string& status, pid_t pid) {
    nlohmann::json s{{"ociVersion", "1.0.2"}, {"id", "elsewhere"}, {"status", status}, {"bundle", b.dir}};
    if (pid > 0) s["pid"] = pid;
    return s.dump();
  }
  void configure_in_private_namespace() {
    auto o = run_in(hook, priv, {}, state("creating", ctr.pid()));
    INFO(o.err);
    REQUIRE(o.status == 0);
    CHECK_FALSE(sb.host().has_link("nic0"));
    CHECK_FALSE(Netns::open_path(hook_root + "/elsewhere/netns"));
  }
};

}  // namespace

TEST_CASE_FIXTURE(HookElsewhere, "netns-hook's poststop reaches a namespace pinned out of its sight through the container's process") {
  const std::string before = picture();
  const int nic0 = sb.host().link("nic0").index;
  configure_in_private_namespace();
  auto o = hook({}, state("stopped", 0));
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.err.empty());
  CHECK(settled_picture(before) == before);
  CHECK(sb.host().link("nic0").index == nic0);
  CHECK_FALSE(std::filesystem::exists(hook_root + "/elsewhere"));
}

TEST_CASE_FIXTURE(HookElsewhere, "netns-hook's poststop refuses a namespace out of reach, then gives it up with --forget-network") {
  configure_in_private_namespace();
  ctr.release();
  const std::string before = picture();
  const std::string dir = hook_root + "/elsewhere";
  const auto files = files_in(dir);
  auto o = hook({}, state("stopped", 0));
  CHECK(o.status == 1);
  CHECK(lines_of(o.err).size() == 1);
  CHECK(o.err.starts_with("netns-hook: error: container elsewhere: its network namespace is out of reach (its pin " +
                          dir + "/netns is not mounted in this mount namespace and its init (pid "));
  CHECK(o.err.ends_with(") is gone), so nic0, vh-hook cannot be given back; nothing was changed: the same stage run "
                        "again with --forget-network gives them up\n"));
  CHECK(picture() == before);
  CHECK(files_in(dir) == files);
  auto forgotten = hook({"--forget-network"}, state("stopped", 0));
  CHECK(forgotten.status == 0);
  CHECK(lines_of(forgotten.err) ==
        std::vector<std::string>{"netns-hook: warning: container elsewhere: gave up nic0: its network namespace is out "
                                 "of reach; the kernel deals with nic0 when that namespace ends",
                                 "netns-hook: warning: container elsewhere: gave up vh-hook: its network namespace is "
                                 "out of reach; the kernel deals with vh-hook when that namespace ends"});
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(gone_from_host(sb, "vh-hook"));
}
