// `mini-runc exec`: the exec'd process read back from the kernel (its namespaces,
// cgroups, credentials, capabilities and rlimits in /proc), its exit status and
// signals, --process, --detach with --pid-file, a terminal through --console-socket,
// the refusals, and the config kept at create.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/cgroup_join.hpp"
#include "support/console_socket.hpp"
#include "support/runtime_harness.hpp"
#include "support/wait.hpp"

using namespace mr::test;

namespace {

std::string proc_file(pid_t pid, const std::string& name) { return read_file("/proc/" + std::to_string(pid) + "/" + name); }

// /proc/PID/ns/*: every namespace link of the process.
std::vector<std::pair<std::string, std::string>> namespace_links(pid_t pid) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/ns";
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.emplace_back(e.path().filename().string(), std::filesystem::read_symlink(e.path()).string());
  std::sort(out.begin(), out.end());
  return out;
}

// A cgroup of its own for the container's init on every hierarchy the test is in (made
// under the test's own cgroup), so that an exec'd process can only be found there if it
// was put there: by default it would inherit the caller's cgroups, which were the init's.
// The processes still in them go back to the parent cgroup before they are removed.
class InitCgroups {
 public:
  InitCgroups(pid_t init) {
    auto procs = mr::runtime::cgroup_procs_files(::getpid());
    REQUIRE(procs);
    REQUIRE(!procs->empty());
    for (const auto& file : *procs) {
      std::string parent = std::filesystem::path(file).parent_path().string();
      std::string dir = parent + "/mr-exec-test-" + std::to_string(::getpid());
      REQUIRE_MESSAGE(::mkdir(dir.c_str(), 0755) == 0, dir << ": " << std::strerror(errno));
      dirs_.push_back(dir);
      std::ofstream(dir + "/cgroup.procs") << init;
    }
  }
  ~InitCgroups() {
    for (const auto& dir : dirs_) {
      std::string parent = std::filesystem::path(dir).parent_path().string();
      std::ifstream in(dir + "/cgroup.procs");
      for (std::string pid; std::getline(in, pid);) std::ofstream(parent + "/cgroup.procs") << pid;
      ::rmdir(dir.c_str());
    }
  }
  std::size_t size() const { return dirs_.size(); }

 private:
  std::vector<std::string> dirs_;
};

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "exec joins every namespace and the cgroups of the init and -d returns with it running") {
  b.args({"sleep", "1000"});
  b.write();
  auto r = runc({"run", "-d", "-b", b.dir, "ns"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  pid_t init = runc.state("ns")["pid"].get<pid_t>();
  InitCgroups cgroups(init);
  const std::string init_cgroup = proc_file(init, "cgroup");
  REQUIRE(init_cgroup != proc_file(::getpid(), "cgroup"));
  std::string pid_file = tmp.path() + "/exec.pid";
  auto o = runc({"exec", "-d", "--pid-file", pid_file, "ns", "sleep", "1000"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  pid_t pid = std::stoi(read_file(pid_file));
  // Alive after exec returned, and the container's: in its pid namespace, where the init
  // is 1 and it is another (NSpid: host pid, then the container's).
  REQUIRE(::kill(pid, 0) == 0);
  CHECK(proc_file(pid, "cmdline") == std::string("sleep\0" "1000\0", 11));
  auto nspid = proc_file(pid, "status");
  CHECK(nspid.find("NSpid:\t" + std::to_string(pid) + "\t") != std::string::npos);
  CHECK(namespace_links(pid) == namespace_links(init));
  CHECK(namespace_links(pid) != namespace_links(::getpid()));
  CHECK(proc_file(pid, "cgroup") == init_cgroup);
  // The root it sees is the container's.
  CHECK(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/root") ==
        std::filesystem::read_symlink("/proc/" + std::to_string(init) + "/root"));
  CHECK(runc({"delete", "-f", "ns"}).status == 0);
  wait_gone(pid);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec gets the process's user capabilities rlimits env and cwd and flags override them") {
  auto& p = b.config["process"];
  p["user"] = {{"uid", 1000}, {"gid", 1001}, {"additionalGids", {10}}};
  p["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  const auto caps = nlohmann::json{"CAP_KILL", "CAP_NET_ADMIN"};
  p["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps},
                       {"inheritable", caps}, {"ambient", caps}};
  p["env"] = {"PATH=/bin", "FROM_CONFIG=1"};
  p["cwd"] = "/bin";
  p["noNewPrivileges"] = false;  // for --no-new-privs to set
  b.args({"sleep", "1000"});
  for (const char* applet : {"tr", "pwd"}) std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/" + applet);
  b.write();
  auto r = runc({"run", "-d", "-b", b.dir, "attrs"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string show =
      "grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs):' /proc/self/status | tr -s '\\t ' ' ';"
      "ulimit -n; ulimit -Hn; pwd; echo $FROM_CONFIG $FOO";
  auto as_config = runc({"exec", "attrs", "sh", "-c", show});
  INFO(as_config.err);
  CHECK(as_config.status == 0);
  CHECK(as_config.out ==
        "Uid: 1000 1000 1000 1000\n"
        "Gid: 1001 1001 1001 1001\n"
        "Groups: 10 \n"
        "CapInh: 0000000000001020\n"
        "CapPrm: 0000000000001020\n"
        "CapEff: 0000000000001020\n"
        "CapBnd: 0000000000001020\n"
        "CapAmb: 0000000000001020\n"
        "NoNewPrivs: 0\n"
        "100\n200\n/bin\n1\n");
  // CAP_SYS_TIME is 25: added to every set, the ambient one included, through which
  // alone a non-root process keeps capabilities across exec.
  auto changed = runc({"exec", "-u", "2000:2001", "-g", "30", "--cap", "CAP_SYS_TIME", "--no-new-privs", "-e",
                       "FOO=bar", "--cwd", "/tmp", "attrs", "sh", "-c", show});
  INFO(changed.err);
  CHECK(changed.status == 0);
  CHECK(changed.out ==
        "Uid: 2000 2000 2000 2000\n"
        "Gid: 2001 2001 2001 2001\n"
        "Groups: 10 30 \n"
        "CapInh: 0000000002001020\n"
        "CapPrm: 0000000002001020\n"
        "CapEff: 0000000002001020\n"
        "CapBnd: 0000000002001020\n"
        "CapAmb: 0000000002001020\n"
        "NoNewPrivs: 1\n"
        "100\n200\n/tmp\n1 bar\n");
  auto unknown = runc({"exec", "--cap", "CAP_NO_SUCH", "attrs", "true"});
  CHECK(unknown.status == 1);
  CHECK(lines(unknown.err) == 1);
  CHECK(unknown.err.find("--cap: unknown capability \"CAP_NO_SUCH\"") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec passes the exit status through and forwards signals") {
  b.args({"sleep", "1000"});
  b.write();
  REQUIRE(runc({"run", "-d", "-b", b.dir, "st"}).status == 0);
  CHECK(runc({"exec", "st", "sh", "-c", "exit 7"}).status == 7);
  CHECK(runc({"exec", "st", "sh", "-c", "kill -KILL $$"}).status == 137);
  // USR1 kills an exec that does not forward it (138); forwarded, the process's trap
  // makes it exit 42. The exec is signalled once the process has said it is up.
  mr::UniqueFd out;
  pid_t exec = runc.spawn({"exec", "st", "sh", "-c", "trap 'exit 42' USR1; echo up; sleep 1000 & wait"}, out);
  std::string said;
  char c;
  while (said.find("up\n") == std::string::npos && ::read(out.get(), &c, 1) == 1) said += c;
  REQUIRE(said == "up\n");
  REQUIRE(::kill(exec, SIGUSR1) == 0);
  CHECK(wait_status(exec) == 42);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec --process runs the file's process and a bad one is one line with its pointer") {
  b.args({"sleep", "1000"});
  b.write();
  REQUIRE(runc({"run", "-d", "-b", b.dir, "pf"}).status == 0);
  std::string file = tmp.path() + "/process.json";
  write_file(file, nlohmann::json{{"args", {"sh", "-c", "echo $A; id -u"}},
                                  {"env", {"PATH=/bin", "A=from-file"}},
                                  {"cwd", "/"},
                                  {"user", {{"uid", 1234}, {"gid", 1234}}}}
                       .dump());
  auto o = runc({"exec", "--process", file, "pf"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "from-file\n1234\n");
  write_file(file, R"({"args": [], "cwd": "/"})");
  auto empty = runc({"exec", "--process", file, "pf"});
  CHECK(empty.status == 1);
  CHECK(lines(empty.err) == 1);
  CHECK(empty.err.find(file + ":/args: ") != std::string::npos);
  write_file(file, R"({"args": ["true"], "cwd": "tmp"})");
  auto relative = runc({"exec", "--process", file, "pf"});
  CHECK(relative.status == 1);
  CHECK(lines(relative.err) == 1);
  CHECK(relative.err.find(file + ":/cwd: ") != std::string::npos);
  write_file(file, R"({"args": ["true"], "cwd": "/", "user": {"uid": "root"}})");
  auto uid = runc({"exec", "--process", file, "pf"});
  CHECK(uid.status == 1);
  CHECK(lines(uid.err) == 1);
  CHECK(uid.err.find(file + ":/user/uid: ") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec -t sends the pty master to --console-socket and the command's output comes through it") {
  b.args({"sleep", "1000"});
  b.write();
  REQUIRE(runc({"run", "-d", "-b", b.dir, "tty"}).status == 0);
  ConsoleSocket sock(tmp.path() + "/console.sock");
  auto o = runc({"exec", "-d", "-t", "--console-socket", sock.path(), "tty", "sh", "-c",
                 "tty; [ -t 0 ] && echo stdin-is-tty; echo done"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  mr::UniqueFd master = sock.receive_master();
  CHECK(read_pty(master.get()) == "/dev/pts/0\r\nstdin-is-tty\r\ndone\r\n");
  auto no_socket = runc({"exec", "-t", "tty", "true"});
  CHECK(no_socket.status == 1);
  CHECK(no_socket.err.find("--console-socket") != std::string::npos);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec into a created or stopped container is refused in one line") {
  b.args({"sh", "-c", "exit 0"});
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "c"}).status == 0);
  auto created = runc({"exec", "c", "true"});
  CHECK(created.status == 1);
  CHECK(lines(created.err) == 1);
  CHECK(created.err.find("cannot exec in a created container") != std::string::npos);
  pid_t init = runc.state("c")["pid"].get<pid_t>();
  REQUIRE(runc({"start", "c"}).status == 0);
  wait_gone(init);
  auto stopped = runc({"exec", "c", "true"});
  CHECK(stopped.status == 1);
  CHECK(lines(stopped.err) == 1);
  CHECK(stopped.err.find("cannot exec in a stopped container") != std::string::npos);
  CHECK(runc({"exec", "missing", "true"}).status == 1);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "exec runs with the config of create: changing or removing config.json later changes nothing") {
  b.config["process"]["env"] = {"PATH=/bin", "WHICH=at-create"};
  b.args({"sleep", "1000"});
  b.write();
  REQUIRE(runc({"run", "-d", "-b", b.dir, "kept"}).status == 0);
  b.config["process"]["env"] = {"PATH=/nowhere", "WHICH=changed"};
  b.config["process"]["user"] = {{"uid", 4321}, {"gid", 4321}};
  b.write();
  auto o = runc({"exec", "kept", "sh", "-c", "echo $WHICH; id -u"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "at-create\n0\n");
  std::filesystem::remove(b.dir + "/config.json");
  auto gone = runc({"exec", "kept", "sh", "-c", "echo $WHICH"});
  INFO(gone.err);
  CHECK(gone.status == 0);
  CHECK(gone.out == "at-create\n");
}
