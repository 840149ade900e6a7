// mini-runc run in the foreground: exit status, signals, stdio.
#include <doctest/doctest.h>

#include <csignal>

#include "support/runtime_harness.hpp"

using namespace mr::test;

namespace {

void drop_namespace(Bundle& b, const std::string& type) {
  auto& list = b.config["linux"]["namespaces"];
  for (auto it = list.begin(); it != list.end(); ++it)
    if ((*it)["type"] == type) {
      list.erase(it);
      return;
    }
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "run passes the workload's exit status through") {
  b.args({"true"});
  b.write();
  auto ok = runc({"run", "--bundle", b.dir, "t1"});
  INFO(ok.err);
  CHECK(ok.status == 0);
  b.args({"sh", "-c", "exit 7"});
  b.write();
  CHECK(runc({"run", "-b", b.dir, "t1"}).status == 7);
  // Nothing left: the state directory goes with the workload.
  CHECK(runc({"list", "-q"}).out.empty());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "run exits with 128+N when the workload dies of signal N") {
  // Without a pid namespace the shell is not an init, which the kernel shields from
  // signals it has no handler for.
  drop_namespace(b, "pid");
  b.args({"sh", "-c", "kill -9 $$"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "sig"});
  INFO(o.err);
  CHECK(o.status == 128 + SIGKILL);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "run forwards signals to the workload") {
  // The container's init gets SIGTERM only because it has a handler for it.
  b.args({"sh", "-c", "trap 'kill $!; exit 42' TERM; sleep 1000 & echo ready; wait"});
  b.write();
  mr::UniqueFd out;
  pid_t pid = runc.spawn({"run", "-b", b.dir, "fwd"}, out);
  char buf[6] = {};
  REQUIRE(::read(out.get(), buf, 6) == 6);  // "ready\n": the trap is installed
  CHECK(std::string(buf, 6) == "ready\n");
  REQUIRE(::kill(pid, SIGTERM) == 0);
  CHECK(wait_status(pid) == 42);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "run passes stdin, stdout and stderr through") {
  b.args({"sh", "-c", "cat; echo to-stderr >&2"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "io"}, "hello from stdin\n");
  CHECK(o.status == 0);
  CHECK(o.out == "hello from stdin\n");
  CHECK(o.err.find("to-stderr\n") != std::string::npos);
}
