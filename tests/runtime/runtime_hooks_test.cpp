// OCI hooks: when each runs, in which namespace, with which state on stdin; failures
// and timeouts.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <fstream>

#include "support/runtime_harness.hpp"

using namespace mr::test;
using namespace std::string_literals;

namespace {

// A hook that saves its stdin (the state JSON) and its network namespace.
nlohmann::json recorder(const std::string& out) {
  return {{"path", "/bin/sh"},
          {"args", {"sh", "-c", "cat > " + out + ".json; readlink /proc/self/ns/net > " + out + ".net"}},
          {"env", {"PATH=/usr/bin:/bin"}}};
}

nlohmann::json saved_state(const std::string& out) { return nlohmann::json::parse(read_file(out + ".json")); }
std::string saved_netns(const std::string& out) { return read_file(out + ".net"); }

std::string netns_link(const std::string& pid) {
  return std::filesystem::read_symlink("/proc/" + pid + "/ns/net").string() + "\n";
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "hooks run at their moments, in their namespaces, with the state on stdin") {
  std::string h = tmp.path() + "/hook-";
  auto& hooks = b.config["hooks"];
  hooks["prestart"] = {recorder(h + "prestart")};
  // The second one asks the runtime itself what state the container is in meanwhile.
  hooks["createRuntime"] = {recorder(h + "createRuntime"),
                            {{"path", "/bin/sh"},
                             {"args", {"sh", "-c", std::string(MINI_RUNC_PATH) + " --root " + runc.root() +
                                                       " state hooked > " + h + "state.json"}}}};
  hooks["createContainer"] = {recorder(h + "createContainer")};
  // Resolved inside the container (busybox sh), writing into its /tmp.
  hooks["startContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > /tmp/startContainer.json"}},
                              {"env", {"PATH=/bin"}}}};
  hooks["poststart"] = {recorder(h + "poststart")};
  hooks["poststop"] = {recorder(h + "poststop")};
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  auto c = runc({"create", "-b", b.dir, "hooked"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  int pid = runc.state("hooked")["pid"];
  // Runtime-namespace hooks ran in the runtime's (sandbox) netns, createContainer in the container's.
  std::string sandbox_net = "net:[" + std::to_string(MUST(sb.host().ns.inode())) + "]\n";
  std::string container_net = netns_link(std::to_string(pid));
  for (const char* name : {"prestart", "createRuntime"}) {
    CAPTURE(name);
    CHECK(saved_state(h + name)["status"] == "creating");
    CHECK(saved_state(h + name)["pid"] == pid);
    CHECK(saved_state(h + name)["id"] == "hooked");
    CHECK(saved_netns(h + name) == sandbox_net);
  }
  CHECK(saved_state(h + "createContainer")["status"] == "creating");
  CHECK(saved_state(h + "state")["status"] == "creating");
  CHECK(runc.state("hooked")["status"] == "created");
  CHECK(saved_netns(h + "createContainer") == container_net);
  CHECK_FALSE(std::filesystem::exists(h + "poststart.json"));
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/startContainer.json"));

  REQUIRE(runc({"start", "hooked"}).status == 0);
  CHECK(saved_state(h + "poststart")["status"] == "running");
  CHECK(saved_netns(h + "poststart") == sandbox_net);
  // startContainer ran in the container before the workload's exec, and start waited
  // for it.
  auto started = nlohmann::json::parse(read_file(b.rootfs() + "/tmp/startContainer.json"));
  CHECK(started["status"] == "created");
  CHECK_FALSE(std::filesystem::exists(h + "poststop.json"));

  REQUIRE(runc({"delete", "--force", "hooked"}).status == 0);
  CHECK(saved_state(h + "poststop")["status"] == "stopped");
  CHECK(saved_state(h + "poststop")["id"] == "hooked");
}

// runtime-spec lifecycle steps 3 to 5: a failing prestart, createRuntime or
// createContainer hook stops the container, which is destroyed (step 12), and then the
// poststop hooks run (step 13).
TEST_CASE_FIXTURE(MiniRuncFixture, "a failing create-time hook fails create, leaves nothing, and poststop runs") {
  sb.bridge("br0");
  auto before = host_state(sb.host());
  for (const char* phase : {"prestart", "createRuntime", "createContainer"}) {
    CAPTURE(phase);
    std::string id = std::string("bad-") + phase;
    std::string h = tmp.path() + "/" + id + "-poststop";
    // A veth on the sandbox's bridge, so that the teardown has something to undo.
    std::ofstream(b.dir + "/network.json")
        << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.88.0.5/16"]}]})";
    b.config["hooks"] = {{phase, {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}}},
                         {"poststop", {recorder(h)}}};
    b.write();
    auto o = runc({"create", "-b", b.dir, id});
    INFO(o.err);
    CHECK(o.status == 1);
    CHECK(o.err.find(std::string(phase) + " hook 0") != std::string::npos);
    CHECK(o.err.find("exited with status 3") != std::string::npos);
    CHECK(::access((runc.root() + "/" + id).c_str(), F_OK) != 0);
    REQUIRE(std::filesystem::exists(h + ".json"));
    CHECK(saved_state(h)["status"] == "stopped");
    CHECK(saved_state(h)["id"] == id);
    CHECK(settled_host_state(sb.host(), before) == before);
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a failing poststart hook only warns: the container runs, start and run succeed") {
  std::string h = tmp.path() + "/hook-poststart";
  // The first fails; the spec says the remaining ones still run.
  b.config["hooks"]["poststart"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 5"}}}, recorder(h)};
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "poststart"}).status == 0);
  auto s = runc({"start", "poststart"});
  INFO(s.err);
  CHECK(s.status == 0);
  CHECK(s.err.find("warning: poststart hook 0") != std::string::npos);
  CHECK(s.err.find("exited with status 5") != std::string::npos);
  CHECK(saved_state(h)["status"] == "running");
  CHECK(runc.state("poststart")["status"] == "running");
  int pid = runc.state("poststart")["pid"];
  CHECK(runc({"kill", "poststart", "TERM"}).status == 0);
  wait_gone(pid);
  CHECK(runc({"delete", "poststart"}).status == 0);

  // run: the workload's exit status, not the hook's.
  b.args({"sh", "-c", "exit 7"});
  b.write();
  auto r = runc({"run", "-b", b.dir, "poststart-run"});
  CHECK(r.status == 7);
  CHECK(r.err.find("warning: poststart hook 0") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a hook that outlives its timeout is killed and fails create, naming it") {
  std::string pid_file = tmp.path() + "/slow.pid";
  b.config["hooks"]["prestart"] = {
      {{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo $$ > " + pid_file + "; exec /bin/sleep 60"}}, {"timeout", 1}}};
  b.write();
  auto o = runc({"create", "-b", b.dir, "slowhook"});
  INFO(o.err);
  CHECK(o.status != 0);
  CHECK(o.err.find("prestart hook 0: hook /bin/sh did not finish within 1s") != std::string::npos);
  CHECK(::access((runc.root() + "/slowhook").c_str(), F_OK) != 0);
  // Killed and reaped: the pid names no process (the sleep exec'd in the shell's place).
  pid_t pid = std::stoi(read_file(pid_file));
  CHECK(::kill(pid, 0) != 0);
  CHECK(errno == ESRCH);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a failing poststop hook only warns") {
  b.config["hooks"]["poststop"] = {{{"path", "/bin/false"}}};
  b.write();
  auto o = runc({"run", "-b", b.dir, "stophook"});
  CHECK(o.status == 0);
  CHECK(o.err.find("warning: poststop hook 0") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a failing startContainer hook fails start") {
  b.config["hooks"]["startContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 4"}}}};
  b.args({"sh", "-c", "touch /tmp/workload-ran"});
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "startfail"}).status == 0);
  auto s = runc({"start", "startfail"});
  CHECK(s.status != 0);
  CHECK(s.err.find("startContainer hook 0") != std::string::npos);
  CHECK(runc.state("startfail")["status"] == "stopped");
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/workload-ran"));
  CHECK(runc({"delete", "startfail"}).status == 0);
}

namespace {

// Runs `b` with `binary` (mini-runc, or runc itself) under a root of its own.
Outcome run_with(MiniRuncFixture& f, const char* name, const std::string& binary, const std::string& id) {
  RuntimeCli rt(f.sb, f.tmp.path() + "/" + name + "-root", binary);
  return rt({"run", "-b", f.b.dir, id});
}

const std::vector<std::pair<const char*, std::string>> kRuntimes = {{"mini-runc", MINI_RUNC_PATH},
                                                                    {"runc", MR_RUNC}};

}  // namespace

// runtime-spec: a hook's `args` are execv's argv, args[0] included: a multi-call binary
// is told its applet by argv[0], not by its path.
TEST_CASE_FIXTURE(MiniRuncFixture, "a busybox multi-call hook runs at each runtime-namespace phase, as under runc") {
  const char* phases[] = {"prestart", "createRuntime", "poststart", "poststop"};
  b.args({"true"});
  for (const auto& [name, binary] : kRuntimes) {
    CAPTURE(name);
    std::string out = tmp.path() + "/" + name + "-";
    for (const char* phase : phases)
      b.config["hooks"][phase] = {
          {{"path", MR_BUSYBOX}, {"args", {"sh", "-c", std::string("echo ") + phase + " > " + out + phase}}}};
    b.write();
    auto o = run_with(*this, name, binary, "busybox-hooks");
    INFO(o.err);
    CHECK(o.status == 0);
    for (const char* phase : phases) {
      CAPTURE(phase);
      REQUIRE(std::filesystem::exists(out + phase));
      CHECK(read_file(out + phase) == std::string(phase) + "\n");
    }
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a hook gets exactly the argv and env its config gives, as under runc") {
  b.args({"true"});
  std::map<std::string, std::string> seen;
  for (const auto& [name, binary] : kRuntimes) {
    CAPTURE(name);
    std::string out = tmp.path() + "/" + name;
    // /proc/PID/cmdline and environ: what execve() was given, NUL-separated.
    std::string save = "cat /proc/$$/cmdline > " + out + ".argv; cat /proc/$$/environ > " + out + ".env";
    b.config["hooks"]["prestart"] = {
        {{"path", "/bin/sh"}, {"args", {"my-hook", "-c", save}}, {"env", {"PATH=/bin:/usr/bin", "A=1", "B=2", "A=3"}}},
        // Without env: the runtime's own environment.
        {{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat /proc/$$/environ > " + out + ".inherited"}}}};
    b.write();
    auto o = run_with(*this, name, binary, "argv-env");
    INFO(o.err);
    REQUIRE(o.status == 0);
    CHECK(read_file(out + ".argv") == "my-hook\0-c\0"s + save + std::string(1, '\0'));
    // A name given twice keeps its last value (Go's exec.Cmd), and nothing else is added.
    CHECK(read_file(out + ".env") == "PATH=/bin:/usr/bin\0B=2\0A=3\0"s);
    seen[name] = read_file(out + ".inherited");
    CHECK(seen[name].find("PATH=") != std::string::npos);
  }
  CHECK(seen["mini-runc"] == seen["runc"]);
}
