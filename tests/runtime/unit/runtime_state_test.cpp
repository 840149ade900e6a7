// The state directory and the OCI state JSON, without a container: files only.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "oci/schema.hpp"
#include "runtime/process_handle.hpp"
#include "runtime/safe_path.hpp"
#include "runtime/state.hpp"
#include "support/unit/unit_temp_dir.hpp"

using namespace mr;
using namespace mr::runtime;
namespace fs = std::filesystem;

namespace {

using Tmp = mr::test::TempDir;

State sample() {
  State st;
  st.id = "c1";
  st.bundle = "/b";
  st.pid = 42;
  st.start_time = 1234;
  st.annotations = {{"k", "v"}};
  st.poststop = {{.path = "/bin/true", .args = {"true", "x"}, .env = {"A=1"}, .timeout = 5}};
  return st;
}

}  // namespace

TEST_CASE("state JSON is valid against the runtime-spec state schema in every status") {
  auto schema = mr::oci::Schema::load(mr::oci::runtime_spec_schema_dir(), "state-schema.json");
  REQUIRE(schema);
  for (Status s : {Status::creating, Status::created, Status::running, Status::stopped}) {
    auto j = nlohmann::json::parse(state_json(sample(), s));
    CAPTURE(j.dump());
    CHECK(schema->validate(j, "state").empty());
    CHECK(j["status"] == to_string(s));
    CHECK(j["pid"] == (s == Status::stopped ? 0 : 42));
    CHECK(j["annotations"]["k"] == "v");
  }
}

TEST_CASE("state saved and loaded back, state dir is 0700, a second create is refused") {
  Tmp tmp;
  StateDir dir{tmp.path() + "/root/sub", "c1"};
  REQUIRE(make_state_dir(dir));
  CHECK((fs::status(dir.path()).permissions() & fs::perms::all) == fs::perms::owner_all);
  auto again = make_state_dir(dir);
  REQUIRE_FALSE(again);
  CHECK(again.error().err == EEXIST);
  REQUIRE(save_state(dir, sample()));
  CHECK_FALSE(fs::exists(dir.state_file() + ".tmp"));
  auto back = load_state(dir);
  REQUIRE(back);
  CHECK(back->pid == 42);
  CHECK(back->start_time == 1234);
  CHECK(back->annotations.at("k") == "v");
  REQUIRE(back->poststop.size() == 1);
  CHECK(back->poststop[0].args == std::vector<std::string>{"true", "x"});
  CHECK(back->poststop[0].timeout == 5);
  // pid 42 with that start time is not running here: stopped, not a stranger's process.
  CHECK(current_status(dir, *back) == Status::stopped);
  CHECK(*list_containers(tmp.path() + "/root/sub") == std::vector<std::string>{"c1"});
  REQUIRE(remove_state_dir(dir));
  CHECK_FALSE(fs::exists(dir.path()));
  CHECK_FALSE(load_state(dir));
}

TEST_CASE("paths made in a root stay inside it, whatever its symlinks say") {
  Tmp tmp;
  std::string root = tmp.path() + "/rootfs", outside = tmp.path() + "/outside";
  fs::create_directories(root);
  fs::create_directories(outside);
  fs::create_symlink(outside, root + "/abs");          // absolute, to a real host dir
  fs::create_symlink("../../../..", root + "/up");     // climbing
  fs::create_symlink("/nowhere/deep", root + "/dangling");
  mr::UniqueFd rfd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(rfd);
  REQUIRE(make_in_root(rfd.get(), "/abs/a", Leaf::directory));
  REQUIRE(make_in_root(rfd.get(), "/up/b/file", Leaf::file));
  REQUIRE(make_in_root(rfd.get(), "/dangling/c", Leaf::directory));
  CHECK(fs::is_directory(root + outside + "/a"));
  CHECK(fs::is_regular_file(root + "/b/file"));
  CHECK(fs::is_directory(root + "/nowhere/deep/c"));
  CHECK(fs::is_empty(outside));
  CHECK_FALSE(fs::exists(tmp.path() + "/b"));
  // What was returned is the object inside: its /proc/self/fd name points there.
  auto fd = open_in_root(rfd.get(), "/abs/a");
  REQUIRE(fd);
  CHECK(fs::read_symlink(fd_path(fd->get())) == root + outside + "/a");
}

TEST_CASE("a live pid reads as the container only with the start time recorded for it") {
  Tmp tmp;
  StateDir dir{tmp.path(), "self"};
  REQUIRE(make_state_dir(dir));
  State st = sample();
  st.pid = ::getpid();
  auto stat = read_proc_stat(st.pid);
  REQUIRE(stat);
  st.start_time = stat->start_time;
  CHECK(current_status(dir, st) == Status::running);
  REQUIRE(::mkfifo(dir.exec_fifo().c_str(), 0600) == 0);
  CHECK(current_status(dir, st) == Status::created);
  st.creating = true;
  CHECK(current_status(dir, st) == Status::creating);
  st.creating = false;
  // Same pid, other start time: another process that got the pid later.
  st.start_time += 1;
  CHECK(current_status(dir, st) == Status::stopped);
  auto opened = open_process(st.pid, st.start_time);
  REQUIRE(opened);
  CHECK_FALSE(opened->has_value());
}
