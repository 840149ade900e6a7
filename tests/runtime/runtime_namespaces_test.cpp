// Which pid namespace the workload ends up in: a new one, where it is pid 1, or one
// given by path; a namespace path that cannot be joined; the other namespaces made new;
// and what a config without a network or pid namespace gets.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "support/runtime_harness.hpp"
#include "support/wait.hpp"

using namespace mr::test;

namespace {

void set_namespace_path(Bundle& b, const std::string& type, const std::string& path) {
  for (auto& ns : b.config["linux"]["namespaces"])
    if (ns["type"] == type) {
      ns["path"] = path;
      return;
    }
  FAIL("the default config has no " << type << " namespace");
}

ino_t ns_inode(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::string ns_link(const std::string& path) { return "pid:[" + std::to_string(ns_inode(path)) + "]"; }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "in a new pid namespace the workload is pid 1") {
  b.args({"sh", "-c", "echo $$; readlink /proc/self/ns/pid"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "pid1"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(o.out.starts_with("1\n"));
  // Not the namespace the runtime (and this test) is in.
  CHECK(o.out.find(ns_link("/proc/self/ns/pid")) == std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a container joins a pid namespace given by path") {
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "owner"}).status == 0);
  int owner = runc.state("owner")["pid"];
  std::string target = "/proc/" + std::to_string(owner) + "/ns/pid";

  Bundle joiner(tmp.path() + "/joiner");
  set_namespace_path(joiner, "pid", target);
  joiner.args({"sh", "-c", "echo $$; readlink /proc/self/ns/pid"});
  joiner.write();
  auto o = runc({"run", "-b", joiner.dir, "joiner"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  auto nl = o.out.find('\n');
  REQUIRE(nl != std::string::npos);
  // pid 1 of that namespace is the owner's init: the joiner's workload is another pid.
  CHECK(o.out.substr(0, nl) != "1");
  CHECK(o.out.substr(nl + 1) == ns_link(target) + "\n");
  CHECK(runc({"delete", "--force", "owner"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a namespace path that is no namespace fails the create and leaves nothing") {
  std::string not_ns = tmp.path() + "/not-a-namespace";
  std::ofstream(not_ns) << "x";
  set_namespace_path(b, "uts", not_ns);
  b.write();
  auto o = runc({"create", "-b", b.dir, "bad"});
  CHECK(o.status != 0);
  CHECK(o.err.find("join uts namespace " + not_ns + ": Invalid argument") != std::string::npos);
  CHECK(runc({"list", "-q"}).out.empty());
  CHECK(::access((runc.root() + "/bad").c_str(), F_OK) != 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "the container's ipc, uts, mount, pid and network namespaces are not the host's") {
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  auto c = runc({"create", "-b", b.dir, "spaces"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  std::string init = "/proc/" + std::to_string(runc.state("spaces")["pid"].get<int>()) + "/ns/";
  // The runtime ran in this process's namespaces, but for the sandbox's network one.
  for (const char* type : {"ipc", "uts", "mnt", "pid"}) {
    CAPTURE(type);
    CHECK(ns_inode(init + type) != ns_inode(std::string("/proc/self/ns/") + type));
  }
  CHECK(ns_inode(init + "net") != MUST(sb.host().ns.inode()));
  CHECK(runc({"delete", "--force", "spaces"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a config without a network namespace is warned about once and shares the caller's") {
  b.remove_namespace("network");
  b.args({"readlink", "/proc/self/ns/net"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "hostnet"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(count(o.err, "warning: linux.namespaces has no network namespace: the container shares the caller's "
                     "network namespace\n") == 1);
  CHECK(o.out == "net:[" + std::to_string(MUST(sb.host().ns.inode())) + "]\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "kill --all without a pid namespace warns that only the init is signalled") {
  b.remove_namespace("pid");
  // Without a pid namespace, $! is the child's pid as this test sees it.
  b.args({"sh", "-c", "sleep 1000 & echo $! > /tmp/child; wait"});
  b.write();
  std::string said = b.rootfs() + "/tmp/child";
  REQUIRE(::mkfifo(said.c_str(), 0600) == 0);
  // Without cgroups (a container with some finds its processes by its cgroup).
  auto r = runc({"--cgroup-manager", "disabled", "run", "--detach", "-b", b.dir, "nopid"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  int init = runc.state("nopid")["pid"];
  mr::UniqueFd child(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(read_file(said)), 0)));
  REQUIRE(child);
  auto k = runc({"kill", "--all", "nopid", "TERM"});
  INFO(k.err);
  CHECK(k.status == 0);
  CHECK(count(k.err, "warning: kill --all: container \"nopid\" has no pid namespace of its own, so only its init is "
                     "signalled") == 1);
  wait_gone(init);  // sh has no TERM handler and, not being a pid namespace's init, dies of it
  // The child got nothing: it still runs once the init is gone.
  CHECK_FALSE(wait_ready(child.get(), POLLIN, 0));
  REQUIRE(::syscall(SYS_pidfd_send_signal, child.get(), SIGKILL, nullptr, 0) == 0);
  REQUIRE(wait_ready(child.get(), POLLIN, -1));
  CHECK(runc({"delete", "nopid"}).status == 0);
}
