// What config.json's process section and linux.sysctl give the workload, read back
// from inside the container (from /proc of the process itself).
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <fstream>

#include "support/runtime_harness.hpp"
#include "netns/namespace.hpp"
#include "netns/sysctl.hpp"

using namespace mr::test;

namespace {

std::string read_in(const mr::netns::Netns& ns, const std::string& path) {
  return MUST(mr::netns::run_in(ns, [&] { return read_file(path); }));
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "process user, groups, umask, rlimits, capabilities, no_new_privs, oom score, hostname, sysctl") {
  auto& p = b.config["process"];
  p["user"] = {{"uid", 1000}, {"gid", 1001}, {"additionalGids", {10, 20}}, {"umask", 63}};
  p["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  const auto caps = nlohmann::json{"CAP_KILL", "CAP_NET_ADMIN"};
  // A non-root process keeps capabilities across exec only through the ambient set,
  // which needs them inheritable too (capabilities(7)): all five sets are exercised.
  p["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps},
                       {"inheritable", caps}, {"ambient", caps}};
  p["noNewPrivileges"] = true;
  p["oomScoreAdj"] = 500;
  b.config["hostname"] = "box1";
  // The container's new namespace starts with the machine's ip_forward (IPv4 settings are
  // copied from the initial namespace): the config asks for the other value, and the
  // sandbox host holds the starting one, so neither check can pass by inheritance.
  const std::string start = MUST(mr::netns::read_sysctl(MUST(mr::netns::Netns::create()), "net.ipv4.ip_forward"));
  const std::string wanted = start == "1" ? "0" : "1";
  MUST(mr::netns::write_sysctl(sb.host().ns, "net.ipv4.ip_forward", start));
  b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", wanted}};
  b.args({"sh", "-c",
          "grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs):' /proc/self/status | tr -s '\\t ' ' ';"
          "umask; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj; hostname;"
          "cat /proc/sys/net/ipv4/ip_forward"});
  for (const char* applet : {"tr", "cut"})
    std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/" + applet);
  b.write();
  auto o = runc({"run", "-b", b.dir, "attrs"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out ==
        "Uid: 1000 1000 1000 1000\n"
        "Gid: 1001 1001 1001 1001\n"
        "Groups: 10 20 \n"
        "CapInh: 0000000000001020\n"
        "CapPrm: 0000000000001020\n"
        "CapEff: 0000000000001020\n"
        "CapBnd: 0000000000001020\n"
        "CapAmb: 0000000000001020\n"
        "NoNewPrivs: 1\n"
        "0077\n100\n200\n500\nbox1\n" + wanted + "\n");
  // The sysctl went to the container's namespace, not the (sandbox) host's.
  CHECK(read_in(sb.host().ns, "/proc/sys/net/ipv4/ip_forward") == start + "\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "process.env is the workload's whole environment and process.cwd its directory") {
  b.config["process"]["env"] = {"PATH=/bin", "FOO=bar baz", "EMPTY="};
  b.config["process"]["cwd"] = "/tmp";
  // /proc/self/environ holds what execve() was given, NUL-separated; the workload is cat
  // itself, as a shell would add variables of its own.
  b.args({"cat", "/proc/self/environ"});
  b.write();
  auto env = runc({"run", "-b", b.dir, "env"});
  INFO(env.err);
  CHECK(env.status == 0);
  using namespace std::string_literals;
  CHECK(env.out == "PATH=/bin\0FOO=bar baz\0EMPTY=\0"s);
  b.args({"readlink", "/proc/self/cwd"});
  b.write();
  auto cwd = runc({"run", "-b", b.dir, "cwd"});
  INFO(cwd.err);
  CHECK(cwd.status == 0);
  CHECK(cwd.out == "/tmp\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "an rlimit above the hard limit fails create clearly and leaves nothing") {
  rlimit cur{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &cur) == 0);
  REQUIRE(cur.rlim_max != RLIM_INFINITY);
  b.config["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 64}, {"hard", cur.rlim_max + 1}}};
  b.write();
  auto o = runc({"create", "-b", b.dir, "limits"});
  CHECK(o.status != 0);
  CHECK(o.err.find("RLIMIT_NOFILE") != std::string::npos);
  CHECK(o.err.find("CAP_SYS_RESOURCE") != std::string::npos);
  CHECK(::access((runc.root() + "/limits").c_str(), F_OK) != 0);
}
