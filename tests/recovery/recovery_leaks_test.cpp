// Nothing leaks: no fd of the caller or the runtime reaches the workload (beyond stdio
// and --preserve-fds) or a hook; nothing holds a container's network namespace after
// delete; many run cycles leave the host's links and mounts and the runtime's fds where
// they were. MR_SOAK_CYCLES sets the number of cycles (scripts/soak.sh runs 1000).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/recovery_host.hpp"

using namespace mr;
using namespace mr::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWaiter = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

nlohmann::json shell_hook(const std::string& script) {
  return {{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}, {"env", {"PATH=/usr/bin:/bin"}}};
}

ino_t netns_inode(pid_t pid) {
  struct stat st{};
  REQUIRE(::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) == 0);
  return st.st_ino;
}

int cycles() {
  const char* text = std::getenv("MR_SOAK_CYCLES");
  return text ? std::atoi(text) : 50;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "no fd reaches a hook or the workload but stdio and --preserve-fds") {
  // `ls /proc/self/fd` lists ls's own fds: stdio, what it inherited, and the directory it
  // reads (the lowest free number).
  std::string h = tmp.path() + "/fds-";
  auto& hooks = b.config["hooks"];
  for (const char* name : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
    hooks[name] = {shell_hook("ls /proc/self/fd > " + h + name)};
  // Run inside the container, after pivot_root: busybox, writing into its /tmp.
  hooks["startContainer"] = {shell_hook("ls /proc/self/fd > /tmp/fds-startContainer")};
  b.args({"ls", "/proc/self/fd"});
  b.write();
  std::string target = tmp.path() + "/fd3";
  // fd 3 is passed with --preserve-fds 1; fd 4 is open in the caller but not passed.
  UniqueFd f3(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  UniqueFd f4(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto o = runc({"run", "--preserve-fds", "1", "-b", b.dir, "fds"}, "", {f3.get(), f4.get()});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(o.out == "0\n1\n2\n3\n4\n");  // 3 preserved, 4 ls's own
  for (const char* name : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"}) {
    CAPTURE(name);
    CHECK(read_file(h + name) == "0\n1\n2\n3\n");  // 3 is ls's own
  }
  CHECK(read_file(b.rootfs() + "/tmp/fds-startContainer") == "0\n1\n2\n3\n");
}

TEST_CASE_FIXTURE(RecoveryFixture, "after delete no process holds the container's network namespace") {
  write_full_spec();
  b.args(kWaiter);
  b.write();
  const std::string before = picture();
  auto c = runc({"create", "-b", b.dir, "held"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  pid_t pid = runc.state("held")["pid"];
  ino_t ns = netns_inode(pid);
  CHECK_FALSE(holders_of_netns(ns).empty());  // its init, at least
  REQUIRE(runc({"start", "held"}).status == 0);
  REQUIRE(runc({"delete", "--force", "held"}).status == 0);
  CHECK(holders_of_netns(ns) == std::vector<std::string>{});
  CHECK(settled_picture(before) == before);  // and no pin left mounted
}

TEST_CASE_FIXTURE(RecoveryFixture, "run cycles leave the host's links and mounts and the runtime's fds unchanged") {
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"]},
    {"name": "eth1", "veth": {"bridge": "br0"}, "addresses": ["10.4.0.2/24"]}]})";
  // The runtime's open fds, listed by a hook it runs (its parent) while the network is up:
  // what each is (numbers in brackets dropped: a socket is new each cycle), sorted. The
  // pidfd the runtime opens on the hook itself is left out: it may or may not be open yet
  // when the hook looks.
  std::string count = tmp.path() + "/runtime-fds";
  b.config["hooks"]["createRuntime"] = {
      shell_hook("for f in /proc/$PPID/fd/*; do readlink $f; done | grep -v 'anon_inode:\\[pidfd\\]' | "
                 "sed 's/\\[[0-9]*\\]//' | sort > " + count)};
  b.write();
  const std::string before = picture();
  const size_t links = sb.host().snapshot().links.size();
  std::string first_fds;
  const int n = cycles();
  for (int i = 0; i < n; ++i) {
    CAPTURE(i);
    auto o = runc({"run", "-b", b.dir, "cycle"});
    INFO(o.err);
    REQUIRE(o.status == 0);
    std::string fds = read_file(count);
    if (i == 0) first_fds = fds;
    REQUIRE(fds.find("socket:") != std::string::npos);  // the listing is real: its sync socket
    REQUIRE(fds == first_fds);
    // The veth goes with the namespace, in the kernel's own time.
    auto link_count = [&] { return std::to_string(sb.host().snapshot().links.size()); };
    REQUIRE(settled(sb.host(), std::to_string(links), link_count) == std::to_string(links));
    REQUIRE(mounts_under(tmp.path(), kept_mounts).empty());
  }
  CHECK(settled_picture(before) == before);
  CHECK((!fs::exists(runc.root()) || fs::is_empty(runc.root())));
}
