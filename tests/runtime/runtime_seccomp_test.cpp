// linux.seccomp: the filter the kernel holds for the container process (/proc/PID/status),
// the errno or signal a denied syscall meets inside the container, argument conditions,
// the engines' default profiles (Docker's, podman's), and bad profiles refused with one
// line before anything is made.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include "oci/default_config.hpp"
#include "support/runtime_harness.hpp"
#include "support/seccomp_profiles.hpp"

using namespace mr::test;
using nlohmann::json;

namespace {

json rule(std::vector<std::string> names, const std::string& action, json extra = json::object()) {
  json r = {{"names", std::move(names)}, {"action", action}};
  r.update(extra);
  return r;
}

json arg(int index, uint64_t value, const std::string& op, uint64_t two = 0) {
  json a = {{"index", index}, {"value", value}, {"op", op}};
  if (two) a["valueTwo"] = two;
  return a;
}

// The lines of /proc/PID/status that start with `prefix`.
std::string status_lines(pid_t pid, const std::string& prefix) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line, out;
  while (std::getline(in, line))
    if (line.starts_with(prefix)) out += line + "\n";
  return out;
}

void add_applets(const Bundle& b, std::initializer_list<const char*> applets) {
  for (const char* a : applets) std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/" + a);
}

// The default config's capability list as bounding, effective and permitted set: what
// an engine gives a container and picks a profile's capability rules by.
std::vector<std::string> give_default_capabilities(Bundle& b) {
  auto caps = mr::oci::default_config()["process"]["capabilities"]["bounding"].get<std::vector<std::string>>();
  b.config["process"]["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  return caps;
}

// Runs the bundle detached with a workload that reports on the fifo /tmp/ready once it
// runs, and returns what the host reads in its /proc/PID/status of the seccomp lines.
std::string seccomp_status_of_running(MiniRuncFixture& f, const std::string& id) {
  std::string ready = f.b.rootfs() + "/tmp/ready";
  REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
  f.b.args({"sh", "-c", "echo up > /tmp/ready; exec sleep 1000"});
  f.b.write();
  auto r = f.runc({"run", "--detach", "--bundle", f.b.dir, id});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(read_file(ready) == "up\n");  // the open waits for the workload: it runs, past execve
  pid_t pid = f.runc.state(id)["pid"].get<pid_t>();
  std::string lines = status_lines(pid, "Seccomp");
  CHECK(f.runc({"delete", "--force", id}).status == 0);
  return lines;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "a denied syscall fails with the rule's errno and the kernel holds one filter") {
  add_applets(b, {"mkdir"});
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", {{"errnoRet", 1}})}}};
  b.args({"sh", "-c", "mkdir /tmp/d; grep ^Seccomp /proc/self/status"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "deny"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "Seccomp:\t2\nSeccomp_filters:\t1\n");
  CHECK(o.err.find("mkdir: can't create directory '/tmp/d': Operation not permitted") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/d"));
  // Read by the host from the running container process too.
  CHECK(seccomp_status_of_running(*this, "deny-running") == "Seccomp:\t2\nSeccomp_filters:\t1\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "defaultAction SCMP_ACT_ERRNO with an allow list gives defaultErrnoRet") {
  add_applets(b, {"mkdir"});
  // Docker's allow list without mkdir: everything else busybox needs is allowed.
  json docker = oci_seccomp_from_profile(docker_default_profile(), give_default_capabilities(b));
  json allow = json::array();
  for (auto r : docker["syscalls"]) {
    if (r["action"] != "SCMP_ACT_ALLOW") continue;
    json names = json::array();
    for (const auto& n : r["names"])
      if (n != "mkdir" && n != "mkdirat") names.push_back(n);
    if (names.empty()) continue;
    r["names"] = names;
    allow.push_back(r);
  }
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 13},
                                  {"architectures", docker["architectures"]}, {"syscalls", allow}};
  b.args({"sh", "-c", "mkdir /tmp/d; echo rc=$?"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "allowlist"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "rc=1\n");
  CHECK(o.err.find("mkdir: can't create directory '/tmp/d': Permission denied") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "argument conditions deny one call and allow another") {
  add_applets(b, {"mkdir", "chmod"});
  // chmod(path, mode) and fchmodat(dirfd, path, mode): the mode is argument 1, or 2.
  auto rules = json::array();
  for (auto [name, index] : {std::pair{"chmod", 1}, std::pair{"fchmodat", 2}}) {
    // Two comparisons of the same argument: either one denies.
    rules.push_back(rule({name}, "SCMP_ACT_ERRNO",
                         {{"errnoRet", 1}, {"args", {arg(index, 0700, "SCMP_CMP_EQ"), arg(index, 0711, "SCMP_CMP_EQ")}}}));
    // World-writable modes: mode & 0002 == 0002.
    rules.push_back(rule({name}, "SCMP_ACT_ERRNO", {{"errnoRet", 22}, {"args", {arg(index, 02, "SCMP_CMP_MASKED_EQ", 02)}}}));
  }
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", rules}};
  b.args({"sh", "-c",
          "mkdir /tmp/c; chmod 750 /tmp/c; echo 750=$?; chmod 700 /tmp/c; echo 700=$?; chmod 711 /tmp/c; echo 711=$?;"
          "chmod 777 /tmp/c; echo 777=$?; chmod 755 /tmp/c; echo 755=$?; chmod 750 /tmp/c"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "args"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "750=0\n700=1\n711=1\n777=1\n755=0\n");
  CHECK(o.err == "chmod: /tmp/c: Operation not permitted\nchmod: /tmp/c: Operation not permitted\n"
                 "chmod: /tmp/c: Invalid argument\n");
  CHECK((std::filesystem::status(b.rootfs() + "/tmp/c").permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms(0750));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "KILL, KILL_PROCESS and TRAP end the process with SIGSYS") {
  add_applets(b, {"mkdir"});
  for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"}) {
    INFO(action);
    b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                    {"syscalls", {rule({"mkdir", "mkdirat"}, action)}}};
    b.args({"mkdir", "/tmp/k"});
    b.write();
    std::string id = std::string("kill-") + std::to_string(std::strlen(action));
    auto o = runc({"run", "-b", b.dir, id});
    INFO(o.err);
    CHECK(o.status == 128 + SIGSYS);
    CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/k"));
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "flags LOG SPEC_ALLOW TSYNC and action LOG are accepted and the filter holds") {
  add_applets(b, {"mkdir"});
  b.config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}},
      {"syscalls", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_LOG"), rule({"rmdir"}, "SCMP_ACT_ERRNO", {{"errnoRet", 1}})}}};
  b.args({"sh", "-c", "mkdir /tmp/logged && echo made; rmdir /tmp/logged; echo rmdir=$?; grep ^Seccomp: /proc/self/status"});
  add_applets(b, {"rmdir"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "flags"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "made\nrmdir=1\nSeccomp:\t2\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "the filter loads for a non-root user with and without noNewPrivileges") {
  add_applets(b, {"mkdir"});
  b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", {{"errnoRet", 95}})}}};
  // Without no_new_privs, loading needs CAP_SYS_ADMIN, which the uid change takes away:
  // the filter must come before it. With it, after everything.
  for (bool nnp : {false, true}) {
    INFO("noNewPrivileges " << nnp);
    b.config["process"]["noNewPrivileges"] = nnp;
    b.args({"sh", "-c", "mkdir /tmp/u; grep -E '^(Uid|NoNewPrivs|Seccomp):' /proc/self/status"});
    b.write();
    auto o = runc({"run", "-b", b.dir, nnp ? "nnp" : "no-nnp"});
    INFO(o.err);
    CHECK(o.status == 0);
    CHECK(o.out == std::string("Uid:\t1000\t1000\t1000\t1000\nNoNewPrivs:\t") + (nnp ? "1" : "0") + "\nSeccomp:\t2\n");
    CHECK(o.err.find("Operation not supported") != std::string::npos);  // errnoRet 95
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "Docker's and podman's default profiles load and busybox sh works under them") {
  add_applets(b, {"mkdir", "rm", "uname", "ps", "ln"});
  const auto caps = give_default_capabilities(b);
  for (const auto& [name, profile] : {std::pair{"docker", docker_default_profile()}, std::pair{"podman", podman_default_profile()}}) {
    INFO(name);
    b.config["linux"]["seccomp"] = oci_seccomp_from_profile(profile, caps);
    b.args({"sh", "-c",
            "mkdir /tmp/w && echo hi > /tmp/w/f && ln -s f /tmp/w/l && cat /tmp/w/l && rm -r /tmp/w && "
            "uname -s && ps -o pid,comm | wc -l && grep ^Seccomp: /proc/self/status"});
    b.write();
    auto o = runc({"run", "-b", b.dir, std::string(name) + "-profile"});
    INFO(o.err);
    CHECK(o.status == 0);
    CHECK(o.out == "hi\nLinux\n4\nSeccomp:\t2\n");  // ps: its header, sh, ps, wc
    CHECK(o.err.empty());
    CHECK(seccomp_status_of_running(*this, std::string(name) + "-running") == "Seccomp:\t2\nSeccomp_filters:\t1\n");
    std::filesystem::remove(b.rootfs() + "/tmp/ready");
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a bad seccomp profile gets one line with its pointer at create and validate and nothing is made") {
  const std::string before = host_state(sb.host());
  const json base = {{"defaultAction", "SCMP_ACT_ALLOW"}};
  struct Case {
    json seccomp;
    std::string pointer, what;
  };
  auto with = [&base](json extra) {
    json s = base;
    s.update(extra);
    return s;
  };
  const std::vector<Case> cases = {
      {with({{"syscalls", {rule({"mkdir", "foo"}, "SCMP_ACT_ERRNO")}}}), "/linux/seccomp/syscalls/0/names/1", "unknown syscall \"foo\""},
      {with({{"syscalls", {rule({"mkdir"}, "SCMP_ACT_EXPLODE")}}}), "/linux/seccomp/syscalls/0/action", "SCMP_ACT_EXPLODE"},
      {with({{"syscalls", {rule({"mkdir"}, "SCMP_ACT_ERRNO", {{"args", {arg(0, 1, "SCMP_CMP_SOMETIMES")}}})}}}),
       "/linux/seccomp/syscalls/0/args/0/op", "SCMP_CMP_SOMETIMES"},
      {with({{"syscalls", {rule({"mkdir"}, "SCMP_ACT_ERRNO", {{"args", {arg(6, 1, "SCMP_CMP_EQ")}}})}}}),
       "/linux/seccomp/syscalls/0/args/0/index", "expected an argument index from 0 to 5 (got 6)"},
      {with({{"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"}}}), "/linux/seccomp/architectures/1", "SCMP_ARCH_Z80"},
      {with({{"syscalls", {rule({"mkdir"}, "SCMP_ACT_NOTIFY")}}}), "/linux/seccomp/syscalls/0/action",
       "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
      {with({{"listenerPath", "/run/listener.sock"}, {"syscalls", {rule({"mkdir", "sendmsg"}, "SCMP_ACT_NOTIFY")}}}),
       "/linux/seccomp/syscalls/0/names/1", "SCMP_ACT_NOTIFY cannot apply to sendmsg"},
      {with({{"syscalls", {rule({"mkdir"}, "SCMP_ACT_ALLOW", {{"errnoRet", 1}})}}}), "/linux/seccomp/syscalls/0/errnoRet",
       "expected only with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
      {with({{"flags", {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}}}), "/linux/seccomp/flags/0", "needs libseccomp 2.6"},
      {{{"defaultAction", "SCMP_ACT_NOTIFY"}, {"listenerPath", "/run/l.sock"}}, "/linux/seccomp/defaultAction",
       "SCMP_ACT_NOTIFY cannot be the default action"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO(c.pointer << " " << c.what);
    b.config["linux"]["seccomp"] = c.seccomp;
    b.write();
    const std::string id = "bad" + std::to_string(i);
    for (const char* cmd : {"create", "validate"}) {
      INFO(cmd);
      auto o = cmd == std::string("create") ? runc({"create", "-b", b.dir, id}) : runc({"validate", "--no-host", "-b", b.dir});
      CHECK(o.status == 1);
      CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
      CHECK(o.err.find("config.json:" + c.pointer + ": ") != std::string::npos);
      CHECK(o.err.find(c.what) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(runc.root() + "/" + id));
    CHECK(host_state(sb.host()) == before);
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a process exec'd into the container gets the container's filter") {
  add_applets(b, {"mkdir"});
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", {{"errnoRet", 1}})}}};
  std::string ready = b.rootfs() + "/tmp/ready";
  REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
  b.args({"sh", "-c", "echo up > /tmp/ready; exec sleep 1000"});
  b.write();
  auto r = runc({"run", "--detach", "--bundle", b.dir, "execsc"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(read_file(ready) == "up\n");
  // With and without no_new_privs: the filter loads in either order.
  for (std::vector<std::string> extra : {std::vector<std::string>{}, {"--no-new-privs"}}) {
    std::vector<std::string> args = {"exec"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"execsc", "sh", "-c", "mkdir /tmp/x || echo refused; grep ^Seccomp: /proc/self/status"});
    auto o = runc(args);
    INFO(o.err);
    CHECK(o.status == 0);
    CHECK(o.out.find("refused\nSeccomp:\t2\n") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/x"));
  CHECK(runc({"delete", "--force", "execsc"}).status == 0);
}
