// create / start / state / kill / delete, the network each container gets, and the
// checks on container ids.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

#include "support/runtime_harness.hpp"
#include "netns/namespace.hpp"
#include "oci/schema.hpp"

using namespace mr::test;
using mr::netns::Netns;

namespace {

// A workload that waits for SIGTERM (as an init it needs a handler to get it).
const std::vector<std::string> kWaiter = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

bool mounted_at(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.find(" " + path + " ") != std::string::npos) return true;
  return false;
}

ino_t inode_of(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

void check_state_schema(const nlohmann::json& state) {
  auto schema = mr::oci::Schema::load(mr::oci::runtime_spec_schema_dir(), "state-schema.json");
  REQUIRE(schema);
  auto problems = schema->validate(state, "state");
  for (const auto& p : problems) FAIL_CHECK(p.message());
  CHECK(problems.empty());
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "create, start, state, kill, delete") {
  b.config["annotations"] = {{"org.example.test", "lifecycle"}};
  b.args(kWaiter);
  b.write();
  std::string pid_file = tmp.path() + "/pid";
  auto c = runc({"create", "--bundle", b.dir, "--pid-file", pid_file, "life"});
  INFO(c.err);
  REQUIRE(c.status == 0);

  auto st = runc.state("life");
  check_state_schema(st);
  CHECK(st["ociVersion"].is_string());
  CHECK(st["id"] == "life");
  CHECK(st["status"] == "created");
  CHECK(st["bundle"] == b.dir);
  CHECK(st["annotations"]["org.example.test"] == "lifecycle");
  int pid = st["pid"];
  REQUIRE(pid > 0);
  CHECK(read_file(pid_file) == std::to_string(pid));
  struct stat sd{};
  REQUIRE(::stat((runc.root() + "/life").c_str(), &sd) == 0);
  CHECK((sd.st_mode & 0777) == 0700);
  // Still the runtime's init, blocked on exec.fifo: not yet the workload.
  CHECK(read_file("/proc/" + std::to_string(pid) + "/cmdline").find("sleep") == std::string::npos);

  auto s = runc({"start", "life"});
  INFO(s.err);
  REQUIRE(s.status == 0);
  st = runc.state("life");
  CHECK(st["status"] == "running");
  CHECK(st["pid"] == pid);
  CHECK(read_file("/proc/" + std::to_string(pid) + "/cmdline").starts_with(std::string("sh\0-c", 5)));
  CHECK(runc({"start", "life"}).status != 0);  // only a created container starts

  CHECK(runc({"delete", "life"}).status != 0);  // running: needs --force
  CHECK(runc({"kill", "life", "TERM"}).status == 0);
  wait_gone(pid);
  st = runc.state("life");
  CHECK(st["status"] == "stopped");
  check_state_schema(st);
  CHECK(runc({"kill", "life", "KILL"}).status != 0);

  std::string pin = runc.root() + "/life/netns";
  CHECK(mounted_at(pin));
  auto d = runc({"delete", "life"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK_FALSE(mounted_at(pin));
  CHECK(::access((runc.root() + "/life").c_str(), F_OK) != 0);
  CHECK(runc({"state", "life"}).status != 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "delete --force kills a created container") {
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "doomed"}).status == 0);
  int pid = runc.state("doomed")["pid"];
  auto d = runc({"delete", "--force", "doomed"});
  INFO(d.err);
  CHECK(d.status == 0);
  wait_gone(pid);
  CHECK(::access((runc.root() + "/doomed").c_str(), F_OK) != 0);
  CHECK_FALSE(mounted_at(runc.root() + "/doomed/netns"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a new container has its own network namespace with only lo, up") {
  sb.veth("nic0", "wire0");  // the "host" has devices the container must not see
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "net"}).status == 0);
  int pid = runc.state("net")["pid"];
  auto pinned = MUST(Netns::open_path(runc.root() + "/net/netns"));
  auto of_init = MUST(Netns::open_pid(pid));
  CHECK(MUST(pinned.inode()) == MUST(of_init.inode()));
  CHECK(MUST(pinned.inode()) != MUST(sb.host().ns.inode()));
  auto nl = MUST(mr::netns::NlSocket::open_in(pinned));
  auto snap = MUST(mr::netns::take_snapshot(nl));
  REQUIRE(snap.links.size() == 1);
  CHECK(snap.links[0].name == "lo");
  CHECK(snap.links[0].up());
  // The same, seen from inside by the workload.
  b.args({"sh", "-c", "ls /sys/class/net; grep -c : /proc/net/dev"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "inside"});
  CHECK(o.status == 0);
  CHECK(o.out == "lo\n1\n");
  CHECK(runc({"delete", "--force", "net"}).status == 0);
  CHECK(sb.host().has_link("nic0"));
}

TEST_CASE("two containers joined to one network namespace by path share it") {
  Sandbox sb;
  TempDir tmp;
  Bundle a(tmp.path() + "/a"), b(tmp.path() + "/b");
  RuntimeCli runc(sb, tmp.path() + "/root");
  a.args(kWaiter);
  a.write();
  REQUIRE(runc({"create", "-b", a.dir, "first"}).status == 0);
  std::string pin = runc.root() + "/first/netns";
  b.args(kWaiter);
  for (auto& ns : b.config["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = pin;
  b.write();
  auto c = runc({"create", "-b", b.dir, "second"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  int pa = runc.state("first")["pid"], pb = runc.state("second")["pid"];
  ino_t na = inode_of("/proc/" + std::to_string(pa) + "/ns/net");
  CHECK(na == inode_of("/proc/" + std::to_string(pb) + "/ns/net"));
  CHECK(na == inode_of(pin));
  // The joiner does not own the namespace: deleting it leaves the owner's pin alone.
  CHECK(runc({"delete", "--force", "second"}).status == 0);
  CHECK(mounted_at(pin));
  CHECK(runc({"delete", "--force", "first"}).status == 0);
  CHECK_FALSE(mounted_at(pin));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "container ids are checked before any path is made from them") {
  b.write();
  for (const std::string& bad : std::vector<std::string>{"../escape", "a/b", "..", ".", "", "spaces here", "a..b",
                                                             std::string(256, 'x'), std::string(2000, 'x')}) {
    CAPTURE(bad);
    auto o = runc({"create", "-b", b.dir, bad});
    CHECK(o.status != 0);
    CHECK(o.err.find("invalid container id") != std::string::npos);
  }
  CHECK(::access((tmp.path() + "/escape").c_str(), F_OK) != 0);
  CHECK(runc({"list", "-q"}).out.empty());
  auto ok = runc({"run", "-b", b.dir, "Ok_id+1.2-3"});
  INFO(ok.err);
  CHECK(ok.status == 0);
  // The longest id there is still makes a state directory.
  auto longest = runc({"create", "-b", b.dir, std::string(255, 'y')});
  INFO(longest.err);
  CHECK(longest.status == 0);
  CHECK(runc({"delete", "--force", std::string(255, 'y')}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "create refuses a second container with the same id") {
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "dup"}).status == 0);
  int pid = runc.state("dup")["pid"];
  auto again = runc({"create", "-b", b.dir, "dup"});
  CHECK(again.status != 0);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(runc.state("dup")["pid"] == pid);  // the first one untouched
  CHECK(runc({"delete", "-f", "dup"}).status == 0);
}
