// The command line as engines use it: spec, run --detach, list, kill --all or by
// number, --log in JSON or text, --debug, --preserve-fds, runc's flags that are accepted
// and ignored.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/cgroup_helpers.hpp"
#include "support/console_socket.hpp"
#include "support/runtime_harness.hpp"
#include "oci/config_loader.hpp"

using namespace mr::test;

TEST_CASE("spec writes a config.json the runtime loads, and refuses to overwrite one") {
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc(sb, tmp.path() + "/root");
  auto o = runc({"spec", "--bundle", tmp.path()});
  INFO(o.err);
  REQUIRE(o.status == 0);
  mr::oci::Diagnostics diag;
  auto cfg = mr::oci::load_config(tmp.path(), diag);
  REQUIRE(cfg);
  CHECK(cfg->process.args == std::vector<std::string>{"sh"});
  bool own_net = false;
  for (auto& ns : cfg->linux.namespaces) own_net |= ns.type == "network" && ns.path.empty();
  CHECK(own_net);
  CHECK(runc({"spec", "--bundle", tmp.path()}).status != 0);
  CHECK(runc({"--version"}).out.starts_with("mini-runc version"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "run --detach, list, kill --all, delete") {
  // Two processes in the container. The init has no TERM handler, and as the pid
  // namespace's init it gets no signal it has no handler for: TERM can only end the
  // child, which --all must therefore reach; the init then leaves its `wait`.
  b.args({"sh", "-c", "sleep 1000 & echo forked > /tmp/ready; wait"});
  b.write();
  std::string ready = b.rootfs() + "/tmp/ready";
  REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
  auto r = runc({"--systemd-cgroup", "run", "--detach", "--bundle", b.dir, "bg"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto st = runc.state("bg");
  CHECK(st["status"] == "running");
  auto list = runc({"list", "--format", "json"});
  REQUIRE(list.status == 0);
  auto all = nlohmann::json::parse(list.out);
  REQUIRE(all.size() == 1);
  CHECK(all[0]["id"] == "bg");
  CHECK(all[0]["status"] == "running");
  // The init's child, as the host sees it: the only child of the init, there once the
  // workload has written to the fifo.
  REQUIRE(read_file(ready) == "forked\n");
  int pid = st["pid"];
  std::string children = read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  int child = std::stoi(children);
  REQUIRE(child > 0);
  CHECK(runc({"kill", "--all", "bg", "TERM"}).status == 0);
  wait_gone(child);
  wait_gone(pid);
  CHECK(runc.state("bg")["status"] == "stopped");
  CHECK(runc({"delete", "bg"}).status == 0);
  CHECK(runc({"list", "-q"}).out.empty());
}

TEST_CASE("--log with --log-format json records errors as JSON lines") {
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc(sb, tmp.path() + "/root");
  std::string log = tmp.path() + "/log.json";
  auto o = runc({"--log", log, "--log-format", "json", "state", "missing"});
  CHECK(o.status != 0);
  std::istringstream lines(read_file(log));
  std::string line;
  REQUIRE(std::getline(lines, line));
  auto j = nlohmann::json::parse(line);
  CHECK(j["level"] == "error");
  CHECK(j["msg"].get<std::string>().find("container \"missing\" does not exist") != std::string::npos);
  CHECK(j["time"].is_string());
}

TEST_CASE("--log with --log-format text records errors as TIME LEVEL MESSAGE lines, and stderr has them too") {
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc(sb, tmp.path() + "/root");
  std::string log = tmp.path() + "/log.txt";
  auto o = runc({"--log", log, "--log-format", "text", "state", "missing"});
  CHECK(o.status == 1);
  CHECK(o.err == "mini-runc: error: container \"missing\" does not exist: No such file or directory\n");
  std::string text = read_file(log);
  INFO(text);
  CHECK(std::regex_match(text, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z "
                                          "error container \"missing\" does not exist: No such file or directory\n")));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "--debug: debug lines go to stderr, or with --log only to the log, and none without it") {
  sb.bridge("br0");
  std::ofstream(b.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.88.0.5/16"]}]})";
  b.args({"true"});
  b.write();
  auto quiet = runc({"run", "-b", b.dir, "quiet"});
  CHECK(quiet.status == 0);
  CHECK(quiet.err.find("debug") == std::string::npos);

  auto loud = runc({"--debug", "run", "-b", b.dir, "loud"});
  INFO(loud.err);
  CHECK(loud.status == 0);
  CHECK(loud.err.find("mini-runc: debug: network: eth0 (host ") != std::string::npos);
  CHECK(loud.err.find(") ready\n") != std::string::npos);

  std::string log = tmp.path() + "/debug.log";
  auto logged = runc({"--debug", "--log", log, "--log-format", "text", "run", "-b", b.dir, "logged"});
  CHECK(logged.status == 0);
  CHECK(logged.err.find("debug") == std::string::npos);
  CHECK(read_file(log).find("Z debug network: eth0 (host ") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "kill takes a signal by number") {
  // The init of a pid namespace gets only the signals it handles: USR1 (10) and TERM
  // (the default signal) each leave a different mark.
  b.args({"sh", "-c", "trap 'echo USR1 > /tmp/got; exit 0' USR1; trap 'echo TERM > /tmp/got; exit 0' TERM; "
                      "echo ready > /tmp/ready; sleep 1000 & wait"});
  b.write();
  std::string ready = b.rootfs() + "/tmp/ready";
  REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
  auto r = runc({"run", "--detach", "-b", b.dir, "numbered"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(read_file(ready) == "ready\n");
  int pid = runc.state("numbered")["pid"];
  auto k = runc({"kill", "numbered", std::to_string(SIGUSR1)});
  INFO(k.err);
  CHECK(k.status == 0);
  wait_gone(pid);
  CHECK(read_file(b.rootfs() + "/tmp/got") == "USR1\n");
  CHECK(runc({"delete", "numbered"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "--preserve-fds passes extra fds, and only those") {
  // fd 3 is passed, fd 4 is open in the caller without CLOEXEC but not asked for.
  b.args({"sh", "-c", "echo via-fd3 >&3; ls /proc/self/fd"});
  b.write();
  std::string target = tmp.path() + "/fd3.out";
  mr::UniqueFd f3(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  mr::UniqueFd f4(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto o = runc({"run", "--preserve-fds", "1", "-b", b.dir, "fds"}, "", {f3.get(), f4.get()});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(read_file(target) == "via-fd3\n");
  // 0, 1, 2, 3 and the fd ls itself opens for /proc/self/fd.
  CHECK(o.out == "0\n1\n2\n3\n4\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "process.terminal: the pty master goes to --console-socket, the workload gets the peer") {
  ConsoleSocket sock(tmp.path() + "/console.sock");
  b.config["process"]["terminal"] = true;
  b.args({"sh", "-c", "tty; [ -t 0 ] && echo stdin-is-tty; echo done"});
  b.write();
  auto o = runc({"run", "-d", "--console-socket", sock.path(), "-b", b.dir, "tty"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  mr::UniqueFd master = sock.receive_master();
  // Read until the workload's side closes (EIO on a pty master).
  std::string out = read_pty(master.get());
  CHECK(out == "/dev/pts/0\r\nstdin-is-tty\r\ndone\r\n");
  CHECK(runc({"delete", "-f", "tty"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a user namespace without mappings is refused clearly, before anything is made") {
  const std::string before = host_state(sb.host());
  b.config["linux"]["namespaces"].push_back({{"type", "user"}});
  b.write();
  auto user = runc({"create", "-b", b.dir, "userns"});
  CHECK(user.status == 1);
  CHECK(user.err == "mini-runc: error: " + b.dir + "/config.json:/linux/uidMappings: expected at least one mapping "
                    "for the new user namespace at /linux/namespaces/5\n");
  CHECK(host_state(sb.host()) == before);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/userns"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "linux.resources and cgroupsPath are applied without a warning and the container runs") {
  std::string path = unique_cgroup_path("cli");
  CgroupCleanup guard(path);
  b.config["linux"]["resources"] = {{"memory", {{"limit", 100000000}}}};
  b.config["linux"]["cgroupsPath"] = path;
  b.args({"cat", "/proc/self/cgroup"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "res"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.err.empty());
  CHECK(o.out.find(":memory:" + path + "\n") != std::string::npos);
  CHECK_FALSE(guard.any_left());
}
