// The container's cgroups, read back from the kernel: where they are made
// (linux.cgroupsPath, the systemd form, the default), the limits of linux.resources in
// their files, a pids limit a process inside cannot pass, and that nothing is left after
// delete, a failed create or a refused config. This host is hybrid (v1 controllers, v2
// at /sys/fs/cgroup/unified); the tests read the v1 files where the host has them.
#include <doctest/doctest.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cgroup_helpers.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kWaiter = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string unique_id(const std::string& tag) { return "cg-" + std::to_string(::getpid()) + "-" + tag; }

bool has_v1(const std::string& controller) { return fs::exists("/sys/fs/cgroup/" + controller + "/cgroup.procs"); }

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: the init is in the cgroupsPath and the limits are in the files") {
  REQUIRE(has_v1("memory"));  // this suite's hosts are hybrid or v1
  std::string path = unique_cgroup_path("limits");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path + "/c";
  b.config["linux"]["resources"] = {
      {"memory", {{"limit", 64 << 20}, {"swap", 128 << 20}, {"reservation", 32 << 20}, {"swappiness", 10}}},
      {"pids", {{"limit", 32}}},
      {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", "0"}, {"mems", "0"}}},
      {"devices", {{{"allow", false}, {"access", "rwm"}}, {{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rw"}}}},
  };
  b.args(kWaiter);
  b.write();
  auto c = runc({"create", "--bundle", b.dir, "lim"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  CHECK(c.err.find("not applied") == std::string::npos);
  int pid = runc.state("lim")["pid"];
  for (const char* ctl : {"memory", "pids", "cpu", "cpuset", "devices", "freezer", "blkio"})
    CHECK_MESSAGE(proc_cgroup(pid, ctl) == path + "/c", ctl);
  auto file = [&](const char* h, const char* f) { return first_line(read_file(cgroup_dir_of(h, path + "/c/") + f)); };
  CHECK(file("memory", "memory.limit_in_bytes") == std::to_string(64 << 20));
  CHECK(file("memory", "memory.soft_limit_in_bytes") == std::to_string(32 << 20));
  CHECK(file("memory", "memory.swappiness") == "10");
  if (fs::exists(cgroup_dir_of("memory", path + "/c/memory.memsw.limit_in_bytes")))
    CHECK(file("memory", "memory.memsw.limit_in_bytes") == std::to_string(128 << 20));
  CHECK(file("pids", "pids.max") == "32");
  CHECK(file("cpu", "cpu.shares") == "512");
  CHECK(file("cpu", "cpu.cfs_quota_us") == "50000");
  CHECK(file("cpu", "cpu.cfs_period_us") == "100000");
  CHECK(file("cpuset", "cpuset.cpus") == "0");
  std::string devices = read_file(cgroup_dir_of("devices", path + "/c/devices.list"));
  CHECK(devices.find("c 1:3 rw") != std::string::npos);   // the spec's rule
  CHECK(devices.find("c 1:9 rwm") != std::string::npos);  // runc's default: /dev/urandom
  CHECK(devices.find("a *:* rwm") == std::string::npos);  // not everything

  REQUIRE(runc({"delete", "--force", "lim"}).status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: a process inside cannot fork past pids.max") {
  std::string path = unique_cgroup_path("pids");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.config["linux"]["resources"] = {{"pids", {{"limit", 1}}}};
  // The shell is the one process allowed: running /bin/true needs a fork.
  b.args({"sh", "-c", "/bin/true; echo status=$?"});
  b.write();
  auto r = runc({"run", "--bundle", b.dir, unique_id("pids")});
  INFO(r.err);
  INFO(r.out);
  CHECK(r.out.find("status=0") == std::string::npos);
  CHECK((r.out + r.err).find("can't fork") != std::string::npos);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: without cgroupsPath the cgroup is the id below the runtime's own and the root's") {
  std::string id = unique_id("default");
  std::string own = proc_cgroup(::getpid(), "memory");
  b.args(kWaiter);
  b.write();
  // Under a --root other than the default, the id and a hash of the root.
  std::string expected = (own == "/" ? "" : own) + "/" + id + "-";
  auto c = runc({"create", "--bundle", b.dir, id});
  INFO(c.err);
  REQUIRE(c.status == 0);
  int pid = runc.state(id)["pid"];
  std::string path = proc_cgroup(pid, "memory");
  CgroupCleanup guard(path);
  CHECK(path.starts_with(expected));
  CHECK(path.size() == expected.size() + 8);
  CHECK(path.substr(expected.size()).find_first_not_of("0123456789abcdef") == std::string::npos);
  // Another root, the same id: another cgroup, both running.
  RuntimeCli other(sb, tmp.path() + "/other-root");
  REQUIRE(other({"create", "--bundle", b.dir, id}).status == 0);
  int other_pid = other.state(id)["pid"];
  CgroupCleanup other_guard(proc_cgroup(other_pid, "memory"));
  CHECK(proc_cgroup(other_pid, "memory").starts_with(expected));
  CHECK(proc_cgroup(other_pid, "memory") != path);
  REQUIRE(other({"delete", "--force", id}).status == 0);
  CHECK(runc.state(id)["status"] == "created");
  REQUIRE(runc({"delete", "--force", id}).status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: --systemd-cgroup puts slice:prefix:name where systemd would") {
  std::string slice = "mrtest" + std::to_string(::getpid()) + ".slice";
  CgroupCleanup guard("/" + slice);
  b.config["linux"]["cgroupsPath"] = slice + ":pfx:box";
  b.args(kWaiter);
  b.write();
  auto c = runc({"--systemd-cgroup", "create", "--bundle", b.dir, "sd"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  int pid = runc.state("sd")["pid"];
  CHECK(proc_cgroup(pid, "memory") == "/" + slice + "/pfx-box.scope");
  REQUIRE(runc({"delete", "--force", "sd"}).status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: --cgroup-manager disabled makes none") {
  std::string path = unique_cgroup_path("disabled");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.args(kWaiter);
  b.write();
  auto c = runc({"--cgroup-manager", "disabled", "create", "--bundle", b.dir, "off"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  int pid = runc.state("off")["pid"];
  CHECK(proc_cgroup(pid, "memory") == proc_cgroup(::getpid(), "memory"));
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: kill --all signals every process of the cgroup") {
  std::string path = unique_cgroup_path("killall");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  // The host's pid namespace: only the cgroup tells the container's processes apart.
  auto& ns = b.config["linux"]["namespaces"];
  for (auto it = ns.begin(); it != ns.end();)
    it = (*it)["type"] == "pid" ? ns.erase(it) : it + 1;
  b.config["process"]["args"] = {"sh", "-c", "sleep 1000 & echo $! > /tmp/child; exec sleep 1000"};
  b.write();
  // A fifo: reading it waits for the workload to have written the child's pid.
  std::string child_file = b.rootfs() + "/tmp/child";
  REQUIRE(::mkfifo(child_file.c_str(), 0600) == 0);
  REQUIRE(runc({"create", "--bundle", b.dir, "ka"}).status == 0);
  REQUIRE(runc({"start", "ka"}).status == 0);
  int pid = runc.state("ka")["pid"];
  std::string procs = cgroup_dir_of("pids", path + "/cgroup.procs");
  int child = std::stoi(read_file(child_file));
  CHECK(proc_cgroup(child, "pids") == path);
  REQUIRE(runc({"kill", "--all", "ka", "KILL"}).status == 0);
  wait_gone(child);
  wait_gone(pid);
  CHECK(first_line(read_file(procs)).empty());
  REQUIRE(runc({"delete", "ka"}).status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: a failed create leaves no cgroup") {
  std::string path = unique_cgroup_path("failed");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.args({"/no/such/program"});
  b.write();
  auto c = runc({"create", "--bundle", b.dir, "bad"});
  CHECK(c.status != 0);
  CHECK_FALSE(guard.any_left());
  CHECK_FALSE(fs::exists(runc.root() + "/bad"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: hostile cgroupsPath and resources are refused with their pointer") {
  std::string path = unique_cgroup_path("hostile");
  CgroupCleanup guard(path);
  struct Case {
    std::string cgroups_path;
    nlohmann::json resources;
    std::string pointer;
  };
  std::vector<Case> cases = {
      {path + "/../../escape", nullptr, "/linux/cgroupsPath"},
      {"a/../../" + path.substr(1), nullptr, "/linux/cgroupsPath"},
      {path, {{"memory", {{"limit", -5}}}}, "/linux/resources/memory/limit"},
      {path, {{"memory", {{"limit", 100 << 20}, {"swap", 50 << 20}}}}, "/linux/resources/memory/swap"},
      {path, {{"cpu", {{"shares", 1}}}}, "/linux/resources/cpu/shares"},
      {path, {{"cpu", {{"cpus", "zero"}}}}, "/linux/resources/cpu/cpus"},
      {path, {{"cpu", {{"idle", 1}}}}, "/linux/resources/cpu/idle"},  // v2 only
      {path, {{"network", {{"classID", 1}}}}, "/linux/resources/network/classID"},  // net_cls not mounted here
      {path, {{"unified", {{"memory.high", "1G"}}}}, "/linux/resources/unified"},
      {path, {{"devices", {{{"allow", true}, {"type", "x"}}}}}, "/linux/resources/devices/0/type"},
  };
  if (!fs::exists("/sys/fs/cgroup/blkio/blkio.weight") && !fs::exists("/sys/fs/cgroup/blkio/blkio.bfq.weight"))
    cases.push_back({path, {{"blockIO", {{"weight", 500}}}}, "/linux/resources/blockIO/weight"});
  for (const auto& k : cases) {
    b.config["linux"]["cgroupsPath"] = k.cgroups_path;
    if (k.resources.is_null())
      b.config["linux"].erase("resources");
    else
      b.config["linux"]["resources"] = k.resources;
    b.args(kWaiter);
    b.write();
    auto c = runc({"create", "--bundle", b.dir, "hostile"});
    INFO(k.pointer);
    INFO(c.err);
    CHECK(c.status != 0);
    CHECK(c.err.find(k.pointer) != std::string::npos);
    CHECK(c.err.find('\n') == c.err.size() - 1);  // one line
    CHECK_FALSE(guard.any_left());
    CHECK_FALSE(fs::exists(runc.root() + "/hostile"));
  }
  CHECK_FALSE(fs::exists("/sys/fs/cgroup/memory/escape"));
}

namespace {

// One round trip with a workload looping on `read x < /tmp/ping; echo pong > /tmp/pong`:
// it answers only while it runs.
std::string ping(const Bundle& b) {
  { std::ofstream(b.rootfs() + "/tmp/ping") << "ping\n"; }
  std::ifstream in(b.rootfs() + "/tmp/pong");
  std::string line;
  std::getline(in, line);
  return line;
}

const std::vector<std::string> kPonger = {"sh", "-c", "while true; do read x < /tmp/ping; echo pong > /tmp/pong; done"};

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: pause freezes the cgroup and resume thaws it") {
  std::string path = unique_cgroup_path("pause");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.args(kPonger);
  b.write();
  REQUIRE(::mkfifo((b.rootfs() + "/tmp/ping").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((b.rootfs() + "/tmp/pong").c_str(), 0600) == 0);
  REQUIRE(runc({"create", "--bundle", b.dir, "pz"}).status == 0);
  CHECK(runc({"pause", "pz"}).status != 0);  // created, not running
  REQUIRE(runc({"start", "pz"}).status == 0);
  CHECK(ping(b) == "pong");

  auto p = runc({"pause", "pz"});
  INFO(p.err);
  REQUIRE(p.status == 0);
  std::string state_file = cgroup_dir_of("freezer", path + "/freezer.state");
  CHECK(first_line(read_file(state_file)) == "FROZEN");
  CHECK(runc.state("pz")["status"] == "paused");
  CHECK(runc({"pause", "pz"}).status != 0);  // already paused
  // exec is refused while paused (the process would join frozen cgroups), as by runc.
  auto e = runc({"exec", "pz", "true"});
  CHECK(e.status != 0);
  CHECK(e.err == "mini-runc: error: cannot exec in a paused container: resume it first (or --ignore-paused)\n");
  CHECK(first_line(read_file(state_file)) == "FROZEN");

  auto r = runc({"resume", "pz"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(first_line(read_file(state_file)) == "THAWED");
  CHECK(runc.state("pz")["status"] == "running");
  CHECK(ping(b) == "pong");

  // A paused container goes with delete --force too (thawed, then killed).
  REQUIRE(runc({"pause", "pz"}).status == 0);
  auto d = runc({"delete", "--force", "pz"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: ps lists the pids of the container's cgroup") {
  std::string path = unique_cgroup_path("ps");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"run", "--detach", "--bundle", b.dir, "ps1"}).status == 0);
  int pid = runc.state("ps1")["pid"];
  auto j = runc({"ps", "--format", "json", "ps1"});
  INFO(j.err);
  REQUIRE(j.status == 0);
  auto pids = nlohmann::json::parse(j.out);
  REQUIRE(pids.is_array());
  std::vector<int> expected;
  std::istringstream procs(read_file(cgroup_dir_of("pids", path + "/cgroup.procs")));
  for (int p; procs >> p;) expected.push_back(p);
  CHECK(pids.get<std::vector<int>>() == expected);
  CHECK(std::find(expected.begin(), expected.end(), pid) != expected.end());
  auto t = runc({"ps", "ps1"});
  REQUIRE(t.status == 0);
  CHECK(t.out.starts_with("UID"));
  CHECK(t.out.find(" CMD\n") != std::string::npos);
  CHECK(t.out.find(" " + std::to_string(pid) + " ") != std::string::npos);
  CHECK(t.out.find("sh -c trap") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: a cgroup mount shows the container's own cgroup read-only") {
  for (bool cgroupns : {true, false}) {
    INFO("cgroup namespace: " << cgroupns);
    std::string path = unique_cgroup_path("mount");
    CgroupCleanup guard(path);
    b.config["linux"]["cgroupsPath"] = path;
    b.config["linux"]["resources"] = {{"memory", {{"limit", 48 << 20}}}};
    auto& ns = b.config["linux"]["namespaces"];
    for (auto it = ns.begin(); it != ns.end();) it = (*it)["type"] == "cgroup" ? ns.erase(it) : it + 1;
    if (cgroupns) ns.push_back({{"type", "cgroup"}});
    // runc spec's mount.
    b.config["mounts"].push_back({{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
                                  {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}});
    b.args({"sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup; "
                        "mkdir /sys/fs/cgroup/memory/x || echo refused; cat /proc/self/cgroup"});
    b.write();
    auto r = runc({"run", "--bundle", b.dir, unique_id(cgroupns ? "mns" : "mnons")});
    INFO(r.err);
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(r.err.find("not supported") == std::string::npos);
    CHECK(r.out.starts_with(std::to_string(48 << 20) + "\n"));
    CHECK(r.out.find("pids\n") != std::string::npos);
    CHECK(r.out.find("refused") != std::string::npos);
    // In its own cgroup namespace the container sees its cgroup as the root.
    bool at_root = r.out.find(":memory:/\n") != std::string::npos;
    CHECK(at_root == cgroupns);
    b.config["mounts"].erase(b.config["mounts"].size() - 1);
    CHECK_FALSE(guard.any_left());
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: update writes the new limits and events --stats reads them back") {
  std::string path = unique_cgroup_path("update");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 20}}}};
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"run", "--detach", "--bundle", b.dir, "up"}).status == 0);
  auto file = [&](const char* h, const char* f) { return first_line(read_file(cgroup_dir_of(h, path + "/") + f)); };

  auto u = runc({"update", "--memory", std::to_string(96 << 20), "--pids-limit", "40", "--cpu-shares", "300",
                 "--cpu-quota", "20000", "--cpu-period", "100000", "--cpuset-cpus", "0", "up"});
  INFO(u.err);
  REQUIRE(u.status == 0);
  CHECK(file("memory", "memory.limit_in_bytes") == std::to_string(96 << 20));
  CHECK(file("pids", "pids.max") == "40");
  CHECK(file("cpu", "cpu.shares") == "300");
  CHECK(file("cpu", "cpu.cfs_quota_us") == "20000");
  CHECK(file("cpuset", "cpuset.cpus") == "0");

  // -r -: linux.resources on stdin.
  auto r = runc({"update", "-r", "-", "up"}, R"({"pids": {"limit": 50}})");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(file("pids", "pids.max") == "50");
  // A bad value changes nothing.
  auto bad = runc({"update", "--pids-limit", "7", "--cpu-shares", "1", "up"});
  CHECK(bad.status != 0);
  CHECK(bad.err.find("/linux/resources/cpu/shares") != std::string::npos);
  CHECK(file("pids", "pids.max") == "50");

  auto e = runc({"events", "--stats", "up"});
  INFO(e.err);
  REQUIRE(e.status == 0);
  auto j = nlohmann::json::parse(e.out);
  CHECK(j["type"] == "stats");
  CHECK(j["id"] == "up");
  CHECK(j["data"]["pids"]["limit"] == 50);
  CHECK(j["data"]["pids"]["current"] == std::stoull(file("pids", "pids.current")));
  CHECK(j["data"]["memory"]["usage"]["limit"] == std::stoull(file("memory", "memory.limit_in_bytes")));
  CHECK(j["data"]["cpu"]["usage"]["total"].get<uint64_t>() > 0);
  CHECK(j["data"].contains("blkio"));
  CHECK(j["data"].contains("hugetlb"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "cgroups: a cgroup that already holds another container's processes is refused") {
  std::string path = unique_cgroup_path("taken");
  CgroupCleanup guard(path);
  b.config["linux"]["cgroupsPath"] = path;
  b.args(kWaiter);
  b.write();
  REQUIRE(runc({"run", "--detach", "--bundle", b.dir, "first"}).status == 0);
  int first = runc.state("first")["pid"];
  // A second runtime root, the same cgroupsPath: its delete would kill the first's init.
  RuntimeCli other(sb, tmp.path() + "/other-root");
  auto o = other({"run", "--detach", "--bundle", b.dir, "second"});
  CHECK(o.status != 0);
  CHECK(o.err.find("already holds processes") != std::string::npos);
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  CHECK_FALSE(std::filesystem::exists(other.root() + "/second"));
  // The first container is untouched: still running, still in its cgroup.
  CHECK(runc.state("first")["status"] == "running");
  CHECK(proc_cgroup(first, "memory") == path);
  REQUIRE(runc({"delete", "--force", "first"}).status == 0);
  CHECK_FALSE(guard.any_left());
}
