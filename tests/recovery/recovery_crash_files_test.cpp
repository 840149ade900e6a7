// A runtime killed while it writes a file of the state directory (resolv.conf, hosts,
// state.json: each written to NAME.tmp and renamed) leaves that temporary file behind.
// No id is ever stuck by it: `list` shows the directory, `cleanup` and `delete --force`
// remove it with whatever the create had changed, and the id can be created again. A
// create holds its directory's lock from the moment the directory exists, so a cleanup
// never removes one under way.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/recovery_host.hpp"

using namespace mr::test;

namespace {

// dns and hosts make two more files; nic0 moved in makes a network to undo.
void write_spec(const Bundle& b) {
  std::ofstream(b.dir + "/network.json") << R"({"version": 1,
    "devices": [{"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"]}],
    "dns": {"nameservers": ["10.1.0.1"]}, "hosts": [{"address": "10.1.0.1", "names": ["gateway"]}]})";
}

bool has_temporary_file(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".tmp") return true;
  return false;
}

bool listed(RuntimeCli& runc, const std::string& id) {
  auto o = runc({"list", "--format", "json"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  for (const auto& c : nlohmann::json::parse(o.out))
    if (c["id"] == id) return true;
  return false;
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "a create or run killed while writing a state file leaves nothing that cleanup or delete --force does not remove") {
  require_fault_injection();
  write_spec(b);
  b.args({"true"});
  b.write();
  const std::string before = picture();
  for (const char* command : {"create", "run"}) {
    for (const char* remedy : {"cleanup", "delete"}) {
      CAPTURE(command);
      CAPTURE(remedy);
      int writes = each_step([&](int n) {
        auto run = pause_at_step(runc, {command, "-b", b.dir, "torn"}, n, "MR_PAUSE_IN_STATE_FILE");
        if (!run.paused) {
          // Past its last write: it made the container (run: and started it).
          CHECK(run.status == 0);
          auto d = runc({"delete", "--force", "torn"});
          CHECK(d.status == 0);
          return false;
        }
        kill_paused(run);
        REQUIRE(has_state("torn"));
        CHECK(has_temporary_file(runc.root() + "/torn"));
        CHECK(listed(runc, "torn"));
        auto o = std::string(remedy) == "cleanup" ? runc({"cleanup"}) : runc({"delete", "--force", "torn"});
        INFO(o.err);
        CHECK(o.status == 0);
        CHECK_FALSE(has_state("torn"));
        CHECK(settled_picture(before) == before);
        // The id is free again.
        auto again = runc({"create", "-b", b.dir, "torn"});
        INFO(again.err);
        CHECK(again.status == 0);
        CHECK(runc({"delete", "--force", "torn"}).status == 0);
        CHECK(settled_picture(before) == before);
        return true;
      });
      // resolv.conf, hosts, the config kept for exec, the cgroup record, state.json at
      // "creating" and at "created".
      CHECK(writes == 6);
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "cleanup leaves alone a create under way that has made nothing but its directory's first file") {
  require_fault_injection();
  write_spec(b);
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  const std::string before = picture();
  // Held in its first write (resolv.conf), before it saved a state or launched the init.
  auto run = pause_at_step(runc, {"create", "-b", b.dir, "early"}, 1, "MR_PAUSE_IN_STATE_FILE");
  REQUIRE(run.paused);
  auto c = runc({"cleanup"});
  INFO(c.err);
  CHECK(c.status == 0);
  CHECK(c.out.empty());
  CHECK(has_state("early"));
  CHECK(listed(runc, "early"));
  auto done = resume_paused(run);
  INFO(done.err);
  CHECK(done.status == 0);
  CHECK(runc.state("early")["status"] == "created");
  CHECK(runc({"delete", "--force", "early"}).status == 0);
  CHECK(settled_picture(before) == before);
}
