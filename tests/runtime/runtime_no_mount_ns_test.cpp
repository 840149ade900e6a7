// A config with no mount namespace runs as under runc: the process shares the host's
// mounts and is chrooted into the rootfs. What would mount something (mounts, masked
// and read-only paths, devices, a read-only root) is refused at its pointer instead of
// being mounted on the host.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

void strip_mounts(Bundle& b) {
  b.remove_namespace("mount");
  b.config["mounts"] = nlohmann::json::array();
  b.config["linux"].erase("maskedPaths");
  b.config["linux"].erase("readonlyPaths");
  b.config["root"]["readonly"] = false;
}

// The mount points under `dir` in the test's mount namespace (other tests may mount
// elsewhere meanwhile).
std::string mounts_under(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, out;
  while (std::getline(in, line))
    if (line.find(" " + dir) != std::string::npos) out += line + "\n";
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "without a mount namespace the process is chrooted into the rootfs and mounts nothing") {
  strip_mounts(b);
  std::ofstream(b.rootfs() + "/marker") << "inside\n";
  std::string said = b.rootfs() + "/tmp/said";
  REQUIRE(::mkfifo(said.c_str(), 0600) == 0);
  b.args({"sh", "-c", "cat /marker > /tmp/said; exec sleep 1000"});
  b.write();
  std::string before = mounts_under(b.dir);
  auto r = runc({"run", "--detach", "-b", b.dir, "nomnt"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err == "");
  CHECK(read_file(said) == "inside\n");
  int pid = runc.state("nomnt")["pid"];
  std::string proc = "/proc/" + std::to_string(pid);
  // The kernel's view: the test's own mount namespace, the rootfs as its root.
  CHECK(fs::read_symlink(proc + "/ns/mnt") == fs::read_symlink("/proc/self/ns/mnt"));
  CHECK(fs::read_symlink(proc + "/root") == fs::canonical(b.rootfs()));
  CHECK(mounts_under(b.dir) == before);
  CHECK(runc({"delete", "--force", "nomnt"}).status == 0);
  CHECK(mounts_under(b.dir) == before);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "without a mount namespace what would mount on the host is refused at its pointer") {
  std::string before = mounts_under(b.dir);
  const nlohmann::json original = b.config;
  for (auto [ptr, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"/mounts", {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}}},
           {"/linux/maskedPaths", {"/proc/kcore"}},
           {"/linux/readonlyPaths", {"/proc/sys"}},
           {"/linux/devices", {{{"path", "/dev/n"}, {"type", "c"}, {"major", 1}, {"minor", 3}}}},
           {"/root/readonly", true},
       }) {
    CAPTURE(ptr);
    b.config = original;
    strip_mounts(b);
    b.config[nlohmann::json::json_pointer(ptr)] = value;
    b.write();
    auto o = runc({"run", "-b", b.dir, "nomntbad"});
    CHECK(o.status != 0);
    CHECK(o.err.find("config.json:" + ptr + ": ") != std::string::npos);
    CHECK(o.err.find("needs a mount namespace") != std::string::npos);
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(runc.root() + "/nomntbad"));
  }
  CHECK(mounts_under(b.dir) == before);
}
