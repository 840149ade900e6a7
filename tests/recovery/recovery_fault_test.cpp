// Through the mini-runc binary: a failure injected at any step of a container's network
// setup, or a SIGKILL of the runtime between any two steps, leaves the host as it was
// once `run` has failed or `delete --force` has run: links, addresses, routes, mounts,
// and no state directory. A SIGKILL of `start` half way never lets the workload run
// behind a status that reads "created".
#include <doctest/doctest.h>

#include <filesystem>

#include "support/recovery_host.hpp"
#include "support/process.hpp"

using namespace mr::test;

TEST_CASE_FIXTURE(RecoveryFixture, "run: a failure at any network step leaves the host as it was") {
  require_fault_injection();
  write_full_spec();
  b.write();
  const std::string before = picture();
  int steps = each_step([&](int n) {
    Outcome o;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      o = runc({"run", "-b", b.dir, "f"});
    }
    INFO(o.err);
    if (o.status == 0) return false;
    CHECK(o.status == 1);
    CHECK(o.err.find("injected fault at step " + std::to_string(n)) != std::string::npos);
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(has_state("f"));
    return true;
  });
  CHECK(steps == kFullSpecSteps);
  CHECK(settled_picture(before) == before);
  CHECK_FALSE(has_state("f"));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a runtime killed at any network step: delete --force restores the host") {
  require_fault_injection();
  write_full_spec();
  b.write();
  const std::string before = picture();
  int steps = each_step([&](int n) {
    auto finished = crash_at_step(runc, {"create", "-b", b.dir, "k"}, n);
    if (finished) CHECK(*finished == 0);  // past the last step: a normal create
    else CHECK(has_state("k"));           // the crash left it
    auto d = runc({"delete", "--force", "k"});
    INFO(d.err);
    CHECK(d.status == 0);
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(has_state("k"));
    return !finished;
  });
  CHECK(steps == kFullSpecSteps);
}

TEST_CASE_FIXTURE(RecoveryFixture, "a delete killed at any undo step: the next delete finishes the job") {
  require_fault_injection();
  write_full_spec();
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  const std::string before = picture();
  int steps = each_step([&](int n) {
    auto c = runc({"create", "-b", b.dir, "d"});
    INFO(c.err);
    REQUIRE(c.status == 0);
    auto killed = pause_at_step(runc, {"delete", "--force", "d"}, n, "MR_PAUSE_AT_UNDO_STEP");
    if (killed.paused) {
      kill_paused(killed);
      CHECK(has_state("d"));
      auto again = runc({"delete", "--force", "d"});
      INFO(again.err);
      CHECK(again.status == 0);
    } else {
      CHECK(killed.status == 0);  // past the last undo step: a normal delete
    }
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(has_state("d"));
    return killed.paused;
  });
  // The journalled steps: the moved device, the macvlan, the veth.
  CHECK(steps == 3);
}

// The status says "created" while exec.fifo is there, so the workload must not run
// until `start` has removed it: a start killed in between leaves a container that stops.
TEST_CASE_FIXTURE(RecoveryFixture, "a start killed before it removed exec.fifo: the workload never runs, the container stops") {
  require_fault_injection();
  write_full_spec();
  b.args({"sh", "-c", "echo ran > /tmp/ran; exec sleep 1000"});
  b.write();
  const std::string before = picture();
  auto c = runc({"create", "-b", b.dir, "half"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  auto init = open_pidfd(runc.state("half")["pid"]);
  auto start = pause_at_step(runc, {"start", "half"}, 1, "MR_PAUSE_IN_START");
  // Paused with the init's answer read: the init waits for the fifo to go.
  CHECK(runc.state("half")["status"] == "created");
  kill_paused(start);
  wait_exit(init.get());
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/ran"));
  CHECK(runc.state("half")["status"] == "stopped");
  auto d = runc({"delete", "half"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK(settled_picture(before) == before);
  CHECK_FALSE(has_state("half"));
}
