// Which pid namespace the workload ends up in: a new one, where it is pid 1, or one
// given by path; and a namespace path that cannot be joined.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/runtime_harness.hpp"

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

std::string ns_link(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return "pid:[" + std::to_string(st.st_ino) + "]";
}

}  // namespace

TEST_CASE_FIXTURE(RuncFixture, "in a new pid namespace the workload is pid 1") {
  b.args({"sh", "-c", "echo $$; readlink /proc/self/ns/pid"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "pid1"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(o.out.starts_with("1\n"));
  // Not the namespace the runtime (and this test) is in.
  CHECK(o.out.find(ns_link("/proc/self/ns/pid")) == std::string::npos);
}

TEST_CASE_FIXTURE(RuncFixture, "a container joins a pid namespace given by path") {
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

TEST_CASE_FIXTURE(RuncFixture, "a namespace path that is no namespace fails the create and leaves nothing") {
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
