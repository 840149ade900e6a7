// Drives the built mini-runc binary the way an engine does, each test with its own
// --root and bundle under a temporary directory, and the runtime always started inside
// the test's sandbox "host" network namespace (setns in the forked child before exec).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "support/files.hpp"
#include "support/sandbox.hpp"

namespace mr::test {

// An OCI bundle: busybox rootfs and a config.json from the runtime's default, with
// its own network namespace (as every runtime test must have).
struct Bundle {
  std::string dir;
  nlohmann::json config;
  explicit Bundle(const std::string& dir);
  std::string rootfs() const { return dir + "/rootfs"; }
  void args(std::vector<std::string> a) { config["process"]["args"] = std::move(a); }
  void write() const;  // config.json
  // Takes the entry of `type` out of linux.namespaces (the test fails if there is none).
  void remove_namespace(const std::string& type);
};

struct Outcome {
  int status = -1;  // exit status, or 128+N when killed by signal N
  long max_rss_kib = 0;  // peak resident set (wait4), as RunResult::max_rss_kib
  std::string out, err;
};

// Drives a program with runc's command line: mini-runc, or with `binary` netns-hook or
// runc itself.
class RuntimeCli {
 public:
  RuntimeCli(Sandbox& sb, const std::string& root, std::string binary = MINI_RUNC_PATH)
      : sb_(sb), root_(root), binary_(std::move(binary)) {}
  const std::string& root() const { return root_; }
  // A mount namespace (an fd to it) the runtime is started in instead of the test's own.
  int mount_ns = -1;
  // Runs `mini-runc --root ROOT args...` to completion. stdout and stderr go to memory
  // files, not pipes: a created container inherits them and may outlive the command.
  // `fds` become fds 3, 4, ... of mini-runc, open across exec.
  Outcome operator()(const std::vector<std::string>& args, const std::string& stdin_data = {},
                     const std::vector<int>& fds = {});
  // Starts it without waiting; its stdout is a pipe returned in `out`; `fds` as above;
  // stdin is the test's own, or `stdin_data` when given (netns-hook reads the OCI state there);
  // `err`, when given, becomes its stderr (else it shares the test's).
  pid_t spawn(const std::vector<std::string>& args, UniqueFd& out, const std::vector<int>& fds = {},
              const std::string& stdin_data = {}, int err = -1);
  nlohmann::json state(const std::string& id);

 private:
  Sandbox& sb_;
  std::string root_;
  std::string binary_;
};

// What most runtime tests start with: a sandbox host, a temporary directory, a bundle
// in it and a runtime with its own --root there. Member order is construction order.
struct MiniRuncFixture {
  Sandbox sb;
  TempDir tmp;
  Bundle b{tmp.path() + "/bundle"};
  RuntimeCli runc{sb, tmp.path() + "/root"};
  // A test that stops half-way (a failed REQUIRE) leaves no container behind: each one
  // still under the root goes with `delete --force`, its processes and its pin with it.
  ~MiniRuncFixture();
};

// Reaps the child `pid`; its resource usage goes to `usage` when given.
int wait_status(pid_t pid, rusage* usage = nullptr);
std::string read_all(int fd);
// Blocks until `pid` (not our child) has exited, through a pidfd.
void wait_gone(pid_t pid);

}  // namespace mr::test
