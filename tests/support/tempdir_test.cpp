// TempDir, the /tmp directory of one test: it goes with everything in it, also when the
// test fails half-way or its process is killed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/runtime_harness.hpp"
#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("a test directory goes with everything in it, a namespace pin deep inside too") {
  Sandbox sb;
  std::string path, pin;
  {
    TempDir dir;
    path = dir.path();
    CHECK(path.starts_with("/tmp/mr-test-" + std::to_string(::getpid()) + "-"));
    // A container's state as a runtime leaves it when its delete never ran.
    std::filesystem::create_directories(dir.file("root/c1"));
    std::ofstream(dir.file("root/c1/state.json")) << "{}";
    pin = dir.file("root/c1/netns");
    MUST(sb.host().ns.pin(pin));
    REQUIRE(is_mount_point(pin));
  }
  CHECK_FALSE(is_mount_point(pin));
  CHECK_FALSE(exists(path));
}

TEST_CASE("the directory of a killed test process goes when the next one is made") {
  Sandbox sb;
  int report[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: a directory with a pin in it, then killed before any destructor runs.
    ::close(report[0]);
    try {
      auto* dir = new TempDir;
      std::filesystem::create_directories(dir->file("root/c1"));
      if (!sb.host().ns.pin(dir->file("root/c1/netns"))) ::_exit(1);
      (void)!::write(report[1], dir->path().c_str(), dir->path().size());
    } catch (...) {
      ::_exit(1);
    }
    ::raise(SIGKILL);
  }
  ::close(report[1]);
  std::string orphan = read_all(report[0]);
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(exists(orphan));
  REQUIRE(is_mount_point(orphan + "/root/c1/netns"));

  // A directory named the old way (no pid) may be another test build's, alive: it stays.
  std::string foreign = "/tmp/mr-test-XXXXXX";
  REQUIRE(::mkdtemp(foreign.data()) != nullptr);
  TempDir live;
  {
    TempDir next;
    CHECK_FALSE(is_mount_point(orphan + "/root/c1/netns"));
    CHECK_FALSE(exists(orphan));
    CHECK(exists(live.path()));  // this process is alive: its directory stays
    CHECK(exists(foreign));
  }
  CHECK(exists(live.path()));
  ::rmdir(foreign.c_str());
}
