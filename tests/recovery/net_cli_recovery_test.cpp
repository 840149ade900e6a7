// `mini-runc net attach/detach` when things go wrong: a device attached to a running
// container is in its journal like a device of its spec, so a crash of the container
// (cleanup, delete --force), a failure at any step of the attach (rolled back at once),
// and a SIGKILL of the attach or of a detach half way (delete --force) all leave the
// sandbox host as it was: links, addresses, routes and mounts.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>

#include "support/net_cli_host.hpp"
#include "support/recovery_host.hpp"
#include "netns/journal.hpp"

using namespace mr::test;

namespace {

// One attach of each kind, on RecoveryFixture's host: nic0 moved (it has an address and a
// route there), nic2 exposed as a macvlan, a veth on br0 with an address on its host end.
struct AttachKind {
  const char* what;
  std::string name;  // in the container
  std::vector<std::string> flags;
  int steps;  // its fault-injection steps
};

const std::vector<AttachKind> kKinds = {
    {"a moved device", "eth0",
     {"nic0", "--name", "eth0", "--address", "10.1.0.2/24", "--address", "fd00:1::2/64", "--mtu", "1450"},
     4},  // move, 2 addresses, up
    {"a macvlan", "mv0", {"nic2", "--macvlan", "--name", "mv0", "--address", "10.3.0.2/24"}, 3},  // make, address, up
    {"a veth on a bridge", "eth1",
     {"--veth", "--name", "eth1", "--bridge", "br0", "--host-address", "10.4.0.1/24", "--address", "10.4.0.2/24"},
     4},  // make, host address, address, up
};

std::vector<std::string> attach_args(const std::string& id, const AttachKind& k) {
  std::vector<std::string> args = {"net", "attach", id};
  args.insert(args.end(), k.flags.begin(), k.flags.end());
  return args;
}

// RecoveryFixture with a container started without any network (the RFC's unshared one).
struct AttachRecovery : RecoveryFixture {
  AttachRecovery() {
    b.args(kWaitForTerm);
    b.write();
  }
  Outcome ok(const std::vector<std::string>& args) {
    auto o = runc(args);
    INFO("mini-runc " << args.front() << ": " << o.err);
    REQUIRE(o.status == 0);
    return o;
  }
  // `run -d` as `id`; returns its init's pid.
  int run_detached(const std::string& id) {
    ok({"run", "-d", "-b", b.dir, id});
    int pid = runc.state(id)["pid"];
    REQUIRE(pid > 0);
    return pid;
  }
  size_t pending_steps(const std::string& id) {
    return MUST(mr::netns::Journal::open(runc.root() + "/" + id + "/network.journal")).pending().size();
  }
  void delete_force(const std::string& id) {
    ok({"delete", "--force", id});
    CHECK_FALSE(has_state(id));
  }
};

}  // namespace

TEST_CASE_FIXTURE(AttachRecovery, "devices attached to a container whose init was SIGKILLed come home by cleanup or delete --force") {
  const std::string before = picture();
  bool by_cleanup = false;
  SUBCASE("by cleanup") { by_cleanup = true; }
  SUBCASE("by delete --force") {}
  int pid = run_detached("c1");
  for (const auto& k : kKinds) ok(attach_args("c1", k));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(pending_steps("c1") == kKinds.size());

  REQUIRE(::kill(pid, SIGKILL) == 0);
  wait_gone(pid);
  CHECK(runc.state("c1")["status"] == "stopped");
  if (by_cleanup) {
    auto o = ok({"cleanup"});
    CHECK(o.out == "c1: removed (its init is gone)\n");
    CHECK_FALSE(has_state("c1"));
  } else {
    delete_force("c1");
  }
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(AttachRecovery, "net attach failing at any step leaves the host and the container as they were") {
  require_fault_injection();
  run_detached("c1");
  const std::string with_container = picture();
  Space ctr = pinned(runc, "c1");
  const std::string ctr_before = host_state(ctr);
  for (const auto& k : kKinds) {
    CAPTURE(k.what);
    int steps = each_step([&](int n) {
      Outcome o;
      {
        ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
        o = runc(attach_args("c1", k));
      }
      INFO(o.err);
      if (o.status == 0) {  // past its last step: attached; detach it for the next kind
        CHECK(ctr.has_link(k.name));
        ok({"net", "detach", "c1", k.name});
      } else {
        CHECK(o.status == 1);
        CHECK(o.err.starts_with("mini-runc: error: "));
        CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
        CHECK(o.err.find("injected fault at step " + std::to_string(n)) != std::string::npos);
      }
      CHECK(settled_picture(with_container) == with_container);
      CHECK(settled_host_state(ctr, ctr_before) == ctr_before);
      CHECK(pending_steps("c1") == 0);
      return o.status != 0;
    });
    CHECK(steps == k.steps);
  }
}

TEST_CASE_FIXTURE(AttachRecovery, "net attach killed at any step: delete --force restores the host") {
  require_fault_injection();
  const std::string before = picture();
  for (const auto& k : kKinds) {
    CAPTURE(k.what);
    int steps = each_step([&](int n) {
      run_detached("k");
      auto finished = crash_at_step(runc, attach_args("k", k), n);
      if (finished) CHECK(*finished == 0);  // past its last step: a normal attach
      delete_force("k");
      CHECK(settled_picture(before) == before);
      return !finished;
    });
    CHECK(steps == k.steps);
  }
}

TEST_CASE_FIXTURE(AttachRecovery, "net detach killed half way: delete --force, or a second detach, finishes the job") {
  require_fault_injection();
  const std::string before = picture();
  for (const auto& k : kKinds) {
    CAPTURE(k.what);
    run_detached("d");
    ok(attach_args("d", k));
    kill_paused(pause_at_step(runc, {"net", "detach", "d", k.name}, 1, "MR_PAUSE_AT_UNDO_STEP"));
    CHECK(pending_steps("d") == 1);  // the journal still holds it
    delete_force("d");
    CHECK(settled_picture(before) == before);

    run_detached("d");
    const std::string with_container = picture();
    ok(attach_args("d", k));
    int steps = each_step([&](int n) {
      auto killed = pause_at_step(runc, {"net", "detach", "d", k.name}, n, "MR_PAUSE_AT_UNDO_STEP");
      if (!killed.paused) {
        CHECK(killed.status == 0);  // past its last undo step: a normal detach
        return false;
      }
      kill_paused(killed);
      CHECK(pending_steps("d") == 1);
      return true;
    });
    CHECK(steps == 1);
    CHECK(pending_steps("d") == 0);
    CHECK(settled_picture(with_container) == with_container);
    delete_force("d");
    CHECK(settled_picture(before) == before);
  }
}
