// netns-hook attach, detach and show: the administrator's hand of `mini-runc net` for a
// container that netns-hook configured (for runtimes that do not know these commands).
// The hook is run as a runtime would run it (a stand-in container, the OCI state on
// stdin), and once under runc; what the container and the host hold is read back from
// the kernel. The lock tests hold ROOT/ID's lock (or pause a hook that holds it) and
// show that a concurrent command waits for it, through the kernel's lock table.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/hook_helpers.hpp"
#include "support/hook_oci_runtime.hpp"
#include "support/net_cli_host.hpp"
#include "support/recovery_host.hpp"
#include "support/locks.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::test;
namespace netns = mr::netns;
using json = nlohmann::ordered_json;

namespace {

const std::string kId = "hook-ctr";

// HookHost, plus nic1: a spare stand-in NIC with an address and an MTU of its own, so
// that its return "as before" is visible.
struct AttachHost : HookHost {
  AttachHost() {
    auto nic1 = veth("nic1", "wire2");
    MUST(netns::add_address(host().nl, nic1.index, prefix("198.51.100.9/24")));
    MUST(netns::set_link_mtu(host().nl, nic1.index, 1450));
    before = host_state(host());
  }
};

// A container configured by the hook with kHookSpec.
struct Configured {
  AttachHost sb;
  HookBundle b;
  StandInContainer ctr;
  std::string configured;  // the host once configured

  Configured() {
    auto r = run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path()));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    configured = host_state(sb.host());
  }
  RunResult hook(std::vector<std::string> args) { return run_hook(sb, b, std::move(args), ""); }
  RunResult ok(std::vector<std::string> args) {
    auto r = hook(args);
    INFO("netns-hook " << args.front() << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  Space inside() { return container_space(ctr.pid()); }
  std::string journal() { return read_file(b.state_dir(kId) + "/network.journal"); }
  // The hook's poststop: the host as it was before configure, nothing kept.
  void poststop_restores() {
    auto r = run_poststop(sb, b, kId);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
    CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
  }
};

// The table line of a link in `show`.
std::string table_line(const std::string& table, const std::string& name) {
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(name + " ")) return line;
  FAIL("no line for " << name << " in:\n" << table);
  return "";
}

// A refusal: exit 1, one line naming netns-hook, and nothing changed: the host, the
// container and the journal are as they were.
std::string refused(Configured& c, std::vector<std::string> args) {
  auto inside = c.inside();
  std::string ctr_before = host_state(inside), journal_before = c.journal();
  auto r = c.hook(std::move(args));
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err_lines().size() == 1);
  CHECK(r.err.starts_with("netns-hook: error: "));
  CHECK(r.out.empty());
  CHECK(host_state(c.sb.host()) == c.configured);
  CHECK(settled_host_state(inside, ctr_before) == ctr_before);
  CHECK(c.journal() == journal_before);
  return r.err;
}

}  // namespace

TEST_CASE("netns-hook attach moves a host device into a container it configured, detach gives it back as it was") {
  Configured c;
  int nic1 = c.sb.host().link("nic1").index;
  auto attached = c.ok({"attach", kId, "nic1", "--name", "eth5", "--address", "10.9.0.2/24", "--address",
                        "fd00:9::2/64"});
  CHECK(attached.out.empty());
  CHECK(attached.err.empty());

  CHECK_FALSE(c.sb.host().has_link("nic1"));
  auto inside = c.inside();
  auto eth5 = inside.link("eth5");
  CHECK(eth5.index == nic1);  // the host's device itself
  CHECK(eth5.up());
  CHECK(eth5.mtu == 1450);
  auto addrs = inside.addresses(eth5.index);
  CHECK(contains(addrs, "10.9.0.2/24"));
  CHECK(contains(addrs, "fd00:9::2/64"));
  CHECK_FALSE(contains(addrs, "198.51.100.9/24"));  // the host's address stays behind
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth1", "eth2", "eth5", "lo"});

  json view = json::parse(c.ok({"show", kId, "--json"}).out);
  CHECK(shown_link(view, "eth5")["host"]["origin"] == "moved");
  CHECK(shown_link(view, "eth5")["host"]["name"] == "nic1");
  CHECK(shown_link(view, "eth0")["host"]["name"] == "nic0");  // configured and attached side by side
  std::string line = table_line(c.ok({"show", kId}).out, "eth5");
  CHECK(line.find("moved from host nic1") != std::string::npos);
  CHECK(line.find("10.9.0.2/24") != std::string::npos);

  auto detached = c.ok({"detach", kId, "eth5"});
  CHECK(detached.err.empty());
  CHECK(host_state(c.sb.host()) == c.configured);  // nic1 home: name, address, MTU, up
  CHECK(c.sb.host().link("nic1").index == nic1);
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth1", "eth2", "lo"});
  check_configured(c.sb, c.ctr.pid(), kId);  // the configured devices untouched

  c.ctr.release();
  c.poststop_restores();
}

TEST_CASE("netns-hook attach of a macvlan and a veth on a bridge, poststop without detach brings everything home") {
  Configured c;
  c.ok({"attach", kId, "nic1", "--name", "moved1", "--address", "10.9.0.2/24"});
  c.ok({"attach", kId, "uplink0", "--macvlan", "--mode", "private", "--name", "mv1", "--address", "10.7.0.2/24"});
  c.ok({"attach", kId, "--veth", "--bridge", "br0", "--name", "v1", "--address", "10.6.0.2/24"});
  auto inside = c.inside();
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth1", "eth2", "lo", "moved1", "mv1", "v1"});
  CHECK(inside.link("mv1").kind == "macvlan");
  CHECK(inside.addresses(inside.link("v1").index, AF_INET) == std::vector<std::string>{"10.6.0.2/24"});
  json view = json::parse(c.ok({"show", kId, "--json"}).out);
  CHECK(shown_link(view, "mv1")["host"]["parent"] == "uplink0");
  CHECK(shown_link(view, "mv1")["host"]["mode"] == "private");
  CHECK(shown_link(view, "v1")["host"]["bridge"] == "br0");
  std::string v1_host = shown_link(view, "v1")["host"]["name"];
  CHECK(c.sb.host().link(v1_host).master == c.sb.host().link("br0").index);

  // The container ends without a detach: only the pin holds its namespace now.
  c.ctr.release();
  c.poststop_restores();  // nic1 home as it was; the macvlan and both veths gone
}

TEST_CASE("netns-hook attach, detach and show refuse bad input in one line and change nothing") {
  Configured c;
  c.ok({"attach", kId, "nic1", "--name", "eth5"});
  c.configured = host_state(c.sb.host());

  auto line = refused(c, {"attach", kId, "nic9", "--name", "eth6"});
  CHECK_MESSAGE(line.find("host device nic9 is not on the host") != std::string::npos, line);
  line = refused(c, {"attach", kId, "uplink0", "--name", "eth0"});
  CHECK_MESSAGE(line.find("the container has a device named eth0 already") != std::string::npos, line);
  line = refused(c, {"attach", kId, "nic0"});  // configured into this container as eth0
  CHECK_MESSAGE(line.find("nic0 is in this container already (as eth0)") != std::string::npos, line);
  line = refused(c, {"detach", kId, "eth7"});
  CHECK_MESSAGE(line.find("detach eth7: no device of that name was attached") != std::string::npos, line);
  line = refused(c, {"detach", kId, "lo"});
  CHECK_MESSAGE(line.find("detach lo: no device of that name was attached") != std::string::npos, line);
  line = refused(c, {"attach", kId, "nic1", "--bridge", "br0"});
  CHECK_MESSAGE(line == "netns-hook: error: attach: --bridge is for --veth\n", line);
  line = refused(c, {"attach", kId, "uplink0", "--address", "10.0.0.300/24"});
  CHECK_MESSAGE(line.find("attach: --address") != std::string::npos, line);
  for (const char* command : {"attach", "detach", "show"}) {
    std::vector<std::string> args{command, "other-ctr"};
    if (std::string(command) != "show") args.push_back("uplink0");
    line = refused(c, args);
    CHECK_MESSAGE(line == "netns-hook: error: " + std::string(command) +
                              ": no container \"other-ctr\" configured by netns-hook (nothing in " + c.b.root + ")\n",
                  line);
  }
  line = refused(c, {"attach", "../" + kId, "uplink0"});
  CHECK_MESSAGE(line.find("attach: ") != std::string::npos, line);
  line = refused(c, {"attach", kId, "uplink0", "--bogus"});  // a command line that does not parse
  CHECK_MESSAGE(line.starts_with("netns-hook: error: "), line);
  CHECK_MESSAGE(line.find("--bogus") != std::string::npos, line);

  // The attached device still detaches, and the configured ones are still undone.
  c.ok({"detach", kId, "eth5"});
  c.ctr.release();
  c.poststop_restores();
}

TEST_CASE("netns-hook attach and detach refuse a container whose process is gone, in one line, changing nothing") {
  Configured c;
  const pid_t pid = c.ctr.pid();
  auto pinned = MUST(netns::Netns::open_path(c.b.state_dir(kId) + "/netns"));  // alive by the pin
  auto nl = MUST(netns::NlSocket::open_in(pinned));
  Space inside{std::move(pinned), std::move(nl)};
  const std::string inside_before = host_state(inside);
  c.ctr.release();  // the container's processes are gone; poststop has not run yet
  for (std::vector<std::string> args : {std::vector<std::string>{"attach", kId, "nic1", "--name", "eth5"},
                                        std::vector<std::string>{"detach", kId, "eth1"}}) {
    auto r = c.hook(args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err == "netns-hook: error: " + args.front() + ": the process of container \"" + kId + "\" (pid " +
                       std::to_string(pid) + ") is gone: its network is left for the poststop stage to undo\n");
    CHECK(host_state(c.sb.host()) == c.configured);
    CHECK(host_state(inside) == inside_before);
  }
  c.poststop_restores();
}

TEST_CASE("netns-hook --help names attach, detach and show") {
  auto r = run_program({MR_NETNS_HOOK, "--help"});
  CHECK(r.exit_code == 0);
  for (const char* part : {"attach ID HOSTDEV", "detach ID NAME", "show ID [--json]", "poststop returns attached"})
    CHECK_MESSAGE(r.out.find(part) != std::string::npos, part);
  auto attach = run_program({MR_NETNS_HOOK, "attach", "--help"});
  CHECK(attach.exit_code == 0);
  for (const char* flag : {"--name", "--address", "--keep-addresses", "--macvlan", "--mode", "--veth", "--bridge"})
    CHECK_MESSAGE(attach.out.find(flag) != std::string::npos, flag);
}

TEST_CASE("netns-hook attach waits while ROOT/ID is locked, then attaches, poststop waits the same way") {
  Configured c;
  auto id_dir = file_id(c.b.state_dir(kId));
  auto inside = c.inside();
  std::string ctr_before = host_state(inside);
  {
    auto lock = hold_directory_lock(c.b.state_dir(kId));
    auto attach = std::async(std::launch::async, [&] { return c.hook({"attach", kId, "nic1", "--name", "eth5"}); });
    wait_for_flock_waiters(id_dir);
    // Blocked on the lock, it has changed nothing yet.
    CHECK(c.sb.host().has_link("nic1"));
    CHECK(settled_host_state(inside, ctr_before) == ctr_before);
    lock.reset();
    auto r = attach.get();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(inside.link("eth5").index > 0);
  }
  auto lock = hold_directory_lock(c.b.state_dir(kId));
  c.ctr.release();
  auto undo = std::async(std::launch::async, [&] { return run_poststop(c.sb, c.b, kId); });
  wait_for_flock_waiters(id_dir);
  CHECK(std::filesystem::exists(c.b.state_dir(kId) + "/network.journal"));
  CHECK_FALSE(c.sb.host().has_link("nic1"));
  lock.reset();
  auto r = undo.get();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(settled_host_state(c.sb.host(), c.sb.before) == c.sb.before);
}

TEST_CASE("netns-hook attach and poststop at once: either order ends with the host as it was") {
  Configured c;
  auto id_dir = file_id(c.b.state_dir(kId));
  auto lock = hold_directory_lock(c.b.state_dir(kId));
  // The container runs on (attach refuses one whose process is gone): the race is for the lock.
  auto attach = std::async(std::launch::async, [&] { return c.hook({"attach", kId, "nic1", "--name", "eth5"}); });
  wait_for_flock_waiters(id_dir);
  auto undo = std::async(std::launch::async, [&] { return run_poststop(c.sb, c.b, kId); });
  // Both blocked: the kernel lists two waiters. Which goes first is the kernel's choice.
  wait_for_flock_waiters(id_dir, 2);
  lock.reset();
  auto a = attach.get(), u = undo.get();
  c.ctr.release();
  INFO("attach: " << a.err << "undo: " << u.err);
  CHECK(u.exit_code == 0);
  if (a.exit_code != 0) {  // undo went first: nothing left to attach to
    CHECK(a.exit_code == 1);
    CHECK(a.err == "netns-hook: error: attach: no container \"" + kId + "\" configured by netns-hook (nothing in " +
                       c.b.root + ")\n");
    CHECK(c.sb.host().has_link("nic1"));
  }
  CHECK(settled_host_state(c.sb.host(), c.sb.before) == c.sb.before);
  CHECK_FALSE(std::filesystem::exists(c.b.state_dir(kId)));
}

TEST_CASE("a configure paused half way holds ROOT/ID: attach waits, after the configure dies, poststop undoes both") {
  require_fault_injection();
  AttachHost sb;
  HookBundle b;
  StandInContainer ctr;
  int p[2];
  REQUIRE(::pipe2(p, 0) == 0);  // the write end is the hook's MR_PAUSE_FD, open across exec
  UniqueFd paused(p[0]), pause_end(p[1]);
  REQUIRE(::fcntl(paused.get(), F_SETFD, FD_CLOEXEC) == 0);
  std::future<RunResult> configure;
  {
    // Step 3: loopback up and nic0 moved; the macvlan recorded, about to be made.
    ScopedEnv at("MR_PAUSE_AT_STEP", "3");
    ScopedEnv fd("MR_PAUSE_FD", std::to_string(pause_end.get()));
    configure = std::async(std::launch::async,
                           [&] { return run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path())); });
    REQUIRE_MESSAGE(wait_ready(paused.get(), POLLIN, 20000), "the configure did not pause");
    char byte = 0;
    REQUIRE(::read(paused.get(), &byte, 1) == 1);
  }
  pause_end.reset();
  auto id_dir = file_id(b.state_dir(kId));
  auto holder = flock_holder(id_dir);
  REQUIRE(holder);
  CHECK_FALSE(sb.host().has_link("nic0"));  // half configured

  auto attach = std::async(std::launch::async, [&] {
    return run_hook(sb, b, {"attach", kId, "nic1", "--name", "eth5", "--address", "10.9.0.2/24"}, "");
  });
  wait_for_flock_waiters(id_dir);
  CHECK(sb.host().has_link("nic1"));  // waiting, not attached into a half-made network

  REQUIRE(::kill(*holder, SIGKILL) == 0);  // the runtime dies half way
  CHECK(configure.get().exit_code == -1);
  auto a = attach.get();
  INFO(a.err);
  CHECK(a.exit_code == 0);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth5", "lo"});

  // One journal holds the configure's steps and the attach's: poststop returns all.
  ctr.release();
  auto undone = run_poststop(sb, b, kId);
  INFO(undone.err);
  CHECK(undone.exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
}

TEST_CASE("under runc: netns-hook attach and detach on a created container, delete's poststop brings the rest home") {
  REQUIRE_MESSAGE(std::filesystem::exists(MR_RUNC), MR_RUNC << " not found; install it (scripts/packages.txt)");
  AttachHost sb;
  HookBundle b;
  std::string id = "hook-" + std::filesystem::path(b.path()).filename().string();  // runtimes share cgroups
  make_rootfs(b.dir.file("rootfs"));
  auto config = hooked_config("createRuntime", b.root);
  config["process"]["args"] = {"/bin/true"};
  write_file(b.dir.file("config.json"), config.dump(2));
  OciRuntime rt = runc();
  rt.global_args = {"--root", b.dir.file("runtime-state")};

  Container ctr(sb, rt, id);
  ctr.must({"create", "--bundle", b.path(), id});
  pid_t pid = ctr.pid();
  auto exited = open_pidfd(pid);
  check_configured(sb, pid, id);
  auto hook_ok = [&](std::vector<std::string> args) {
    auto r = run_hook(sb, b, args, "");
    INFO("netns-hook " << args.front() << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  };
  hook_ok({"attach", id, "nic1", "--name", "eth5", "--address", "10.9.0.2/24"});
  hook_ok({"attach", id, "--veth", "--bridge", "br0", "--name", "v1"});
  auto inside = container_space(pid);
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth1", "eth2", "eth5", "lo", "v1"});
  CHECK(inside.addresses(inside.link("eth5").index, AF_INET) == std::vector<std::string>{"10.9.0.2/24"});
  CHECK_FALSE(sb.host().has_link("nic1"));
  hook_ok({"detach", id, "v1"});
  CHECK(link_names(inside) == std::vector<std::string>{"eth0", "eth1", "eth2", "eth5", "lo"});

  ctr.must({"start", id});
  wait_exit(exited.get());
  ctr.must({"delete", id});  // runc runs the poststop hook: nic1 comes home with the rest
  ctr.mark_deleted();
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(id)));
}
