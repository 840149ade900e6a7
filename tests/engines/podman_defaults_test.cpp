// podman 4.3 drives mini-runc with its own defaults: its seccomp profile, its cgroups
// (cgroupfs manager, under a parent the test owns and removes), its capabilities, and
// rlimits within this machine's hard limits. run, run -d with a memory and pids limit,
// exec, exec -it, pause/unpause, top, stats, stop and rm, each read back from the
// kernel: /proc/PID/status, the container's cgroup files, its namespaces.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <nlohmann/json.hpp>

#include "support/cgroup_helpers.hpp"
#include "support/console_socket.hpp"
#include "support/podman_support.hpp"
#include "support/process.hpp"

using namespace mr;
using namespace mr::test;
using namespace mr::test::podman;
namespace fs = std::filesystem;

namespace {

std::string first_line_of(const std::string& path) {
  std::string text = read_file(path);
  return text.substr(0, text.find('\n'));
}

// The line of /proc/PID/cgroup that contains `part` (":memory:").
std::string cgroup_line(pid_t pid, const std::string& part) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/cgroup"));
  for (std::string line; std::getline(in, line);)
    if (line.find(part) != std::string::npos) return line;
  FAIL("no " << part << " line in /proc/" << pid << "/cgroup");
  return {};
}

std::string ns_link(pid_t pid, const char* type) {
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + type).string();
}

}  // namespace

TEST_CASE("podman with its defaults drives mini-runc: seccomp cgroups exec pause top stats stop rm") {
  Sandbox sb;
  TempDir tmp;
  Podman podman(sb, tmp.path() + "/podman");
  podman.import_image();
  const std::string parent = podman.cgroup_parent();
  const auto defaults = podman.default_options();

  // run: podman's seccomp profile is loaded, and the process is in a cgroup of podman's
  // (libpod-ID) under the parent, in every hierarchy.
  auto run = podman(concat({"run", "--rm", "--network", "none"},
                           concat(defaults, {kImage, "sh", "-c", "grep ^Seccomp: /proc/self/status; echo ran"})));
  require_ok(run, "podman run");
  CHECK(run.out == "Seccomp:\t2\nran\n");

  // run -d with limits, read back from the container's own cgroup files.
  require_ok(podman(concat({"run", "-d", "--name", "box", "--network", "none", "--memory", "64m", "--pids-limit", "32"},
                           concat(defaults, {kImage, "sleep", "1000"}))),
             "podman run -d");
  const pid_t init = podman.pid("box");
  const std::string id = podman.id("box");
  const std::string memory = proc_cgroup(init, "memory");
  const std::string pids = proc_cgroup(init, "pids");
  CHECK(memory.starts_with(parent + "/"));
  CHECK(memory.find(id) != std::string::npos);
  CHECK(first_line_of(cgroup_dir_of("memory", memory + "/memory.limit_in_bytes")) == "67108864");
  CHECK(first_line_of(cgroup_dir_of("pids", pids + "/pids.max")) == "32");
  CHECK(first_line_of("/proc/" + std::to_string(init) + "/status").starts_with("Name:"));
  CHECK(read_file("/proc/" + std::to_string(init) + "/status").find("Seccomp:\t2\n") != std::string::npos);

  // exec: the container's namespaces, cgroup and filter; the exit status comes back.
  auto exec = podman({"exec", "box", "sh", "-c",
                      "readlink /proc/self/ns/pid; grep ^Seccomp: /proc/self/status; grep memory /proc/self/cgroup; exit 3"});
  INFO(exec.err);
  CHECK(exec.status == 3);
  CHECK(exec.out == ns_link(init, "pid") + "\nSeccomp:\t2\n" + cgroup_line(init, ":memory:") + "\n");

  // exec -it, on a terminal the test drives.
  int master_fd = -1, terminal_fd = -1;
  REQUIRE(::openpty(&master_fd, &terminal_fd, nullptr, nullptr, nullptr) == 0);
  UniqueFd master(master_fd), terminal(terminal_fd);
  ::fcntl(master.get(), F_SETFD, FD_CLOEXEC);
  ::fcntl(terminal.get(), F_SETFD, FD_CLOEXEC);
  Running it = podman.start_on_terminal({"exec", "-it", "box", "sh", "-c", "[ -t 0 ] && echo stdin-is-tty"},
                                        terminal.get());
  terminal.reset();
  std::string shown = read_pty(master.get());
  auto it_done = it.finish();
  INFO(it_done.err);
  CHECK(it_done.status == 0);
  CHECK(shown.find("stdin-is-tty") != std::string::npos);

  // pause and unpause: the freezer cgroup says so, and podman sees it.
  const std::string freezer = cgroup_dir_of("freezer", proc_cgroup(init, "freezer") + "/freezer.state");
  require_ok(podman({"pause", "box"}), "podman pause");
  CHECK(first_line_of(freezer) == "FROZEN");
  CHECK(podman.inspect("box", "{{.State.Status}}") == "paused");
  require_ok(podman({"unpause", "box"}), "podman unpause");
  CHECK(first_line_of(freezer) == "THAWED");
  CHECK(podman.inspect("box", "{{.State.Status}}") == "running");

  // top: the container's processes.
  std::string top = podman.output({"top", "box"});
  CHECK(top.find("sleep 1000") != std::string::npos);

  // stats: what podman reads from the cgroup, the limit among it.
  auto stats = nlohmann::json::parse(podman.output({"stats", "--no-stream", "--format", "json", "box"}));
  INFO(stats.dump());
  REQUIRE(stats.is_array());
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].at("pids").get<std::string>() == "1");
  CHECK(stats[0].at("mem_usage").get<std::string>().find("67.11MB") != std::string::npos);

  // stop, then rm: the container's cgroups are gone with it.
  require_ok(podman({"stop", "--time", "1", "box"}), "podman stop");
  CHECK(podman.inspect("box", "{{.State.Status}}") == "exited");
  require_ok(podman({"rm", "box"}), "podman rm");
  CHECK_FALSE(fs::exists(cgroup_dir_of("memory", memory)));
  CHECK_FALSE(fs::exists(cgroup_dir_of("pids", pids)));
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}
