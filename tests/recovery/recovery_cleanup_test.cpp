// `mini-runc cleanup`: every leftover of crashed runtimes under --root goes, and the
// host comes back; healthy containers and creates still under way are left alone.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/recovery_host.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWaiter = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

std::vector<std::string> containers_in(const std::string& root) {
  std::vector<std::string> ids;
  if (!fs::exists(root)) return ids;
  for (const auto& e : fs::directory_iterator(root)) ids.push_back(e.path().filename());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "cleanup undoes a create killed at any network step, and leaves a live container") {
  require_fault_injection();
  write_full_spec();
  b.args(kWaiter);
  b.write();
  // A healthy container beside the crashed ones, with a bundle of its own and no network spec.
  Bundle plain(tmp.path() + "/plain");
  plain.args(kWaiter);
  plain.write();
  const std::string empty = picture();
  auto alive = runc({"run", "-d", "-b", plain.dir, "alive"});
  INFO(alive.err);
  REQUIRE(alive.status == 0);
  const std::string before = picture();  // with the live container's pinned namespace
  int steps = each_step([&](int n) {
    auto finished = crash_at_step(runc, {"create", "-b", b.dir, "crashed"}, n);
    if (finished) {
      CHECK(*finished == 0);
      CHECK(runc({"delete", "--force", "crashed"}).status == 0);
      return false;
    }
    // And a directory a create left before it saved any state.
    REQUIRE(fs::create_directory(runc.root() + "/half"));
    REQUIRE(containers_in(runc.root()) == std::vector<std::string>{"alive", "crashed", "half"});
    auto o = runc({"cleanup"});
    INFO(o.err);
    CHECK(o.status == 0);
    CHECK(o.out == "crashed: removed (its create never finished)\nhalf: removed (create never saved a state)\n");
    CHECK(containers_in(runc.root()) == std::vector<std::string>{"alive"});
    CHECK(settled_picture(before) == before);
    return true;
  });
  CHECK(steps == kFullSpecSteps);
  CHECK(runc.state("alive")["status"] == "running");
  CHECK(runc({"delete", "--force", "alive"}).status == 0);
  CHECK(settled_picture(empty) == empty);
}

TEST_CASE_FIXTURE(RecoveryFixture, "cleanup removes a container whose init died, and leaves a create under way alone") {
  require_fault_injection();
  write_full_spec();
  b.args(kWaiter);
  b.write();
  const std::string before = picture();

  // Started detached, then its whole pid namespace killed behind the runtime's back.
  auto r = runc({"run", "-d", "-b", b.dir, "orphan"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  pid_t init = runc.state("orphan")["pid"];
  REQUIRE(::kill(init, SIGKILL) == 0);
  wait_gone(init);
  CHECK(picture() != before);  // its devices are still out

  // A create paused half way (its veth recorded, not yet made) holds its lock: it is not
  // a leftover.
  Bundle other(tmp.path() + "/other");
  other.args(kWaiter);
  other.write();
  std::ofstream(other.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.5.0.2/24"]}]})";
  auto busy = pause_at_step(runc, {"create", "-b", other.dir, "busy"}, 2);
  REQUIRE(busy.paused);
  auto o = runc({"cleanup"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "orphan: removed (its init is gone)\n");
  CHECK(containers_in(runc.root()) == std::vector<std::string>{"busy"});

  kill_paused(busy);
  o = runc({"cleanup"});
  CHECK(o.status == 0);
  CHECK(o.out == "busy: removed (its create never finished)\n");
  CHECK(containers_in(runc.root()).empty());
  CHECK(settled_picture(before) == before);
}
