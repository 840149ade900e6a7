// Real OCI runtimes (runc, crun) running netns-hook from a bundle's config.json: the
// runtime's command line, a busybox root filesystem and a container that is deleted
// when the test is done with it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/hook_helpers.hpp"

namespace mr::test {

struct OciRuntime {
  std::string binary;
  std::vector<std::string> global_args;  // before the command, e.g. --root
  int mount_ns_fd = -1;
};

// A busybox root filesystem: the static binary and the applets the tests run. The applets
// are links named in the test rather than `busybox --list`, so no extra program runs.
inline void make_rootfs(const std::string& rootfs) {
  REQUIRE_MESSAGE(std::filesystem::exists(MR_BUSYBOX),
                  "busybox not found; install busybox-static (scripts/packages.txt)");
  std::filesystem::create_directories(rootfs + "/bin");
  std::filesystem::copy_file(MR_BUSYBOX, rootfs + "/bin/busybox");
  for (const char* applet : {"sh", "true"}) std::filesystem::create_symlink("busybox", rootfs + "/bin/" + applet);
}

// The bundle's config.json hooked: netns-hook as the configuring `stage` and poststop.
inline nlohmann::json hooked_config(const std::string& stage, const std::string& hook_root) {
  auto config = mr::oci::default_config();
  nlohmann::json hook{{"path", MR_NETNS_HOOK}, {"args", {"netns-hook", "--root", hook_root}}};
  config["hooks"] = {{stage, {hook}}, {"poststop", {hook}}};
  return config;
}

// One container of `rt` in the sandbox; deleted (forcibly, if the test failed) when it goes.
class Container {
 public:
  Container(Sandbox& sb, OciRuntime rt, std::string id) : sb_(sb), rt_(std::move(rt)), id_(std::move(id)) {}
  ~Container() {
    if (deleted_) return;
    try {
      run({"delete", "--force", id_});
    } catch (...) {  // the test has failed already; its own report is the one that counts
    }
  }
  RunResult run(std::vector<std::string> command) {
    std::vector<std::string> argv{rt_.binary};
    argv.insert(argv.end(), rt_.global_args.begin(), rt_.global_args.end());
    argv.insert(argv.end(), command.begin(), command.end());
    return run_program(argv, {}, {.net = &sb_.host().ns, .mount_ns_fd = rt_.mount_ns_fd});
  }
  void must(std::vector<std::string> command) {
    auto r = run(command);
    REQUIRE_MESSAGE(r.exit_code == 0, rt_.binary << " " << command[0] << " failed: " << r.err);
  }
  pid_t pid() {
    auto r = run({"state", id_});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out).at("pid").get<pid_t>();
  }
  void mark_deleted() { deleted_ = true; }

 private:
  Sandbox& sb_;
  OciRuntime rt_;
  std::string id_;
  bool deleted_ = false;
};

inline OciRuntime runc() { return {MR_RUNC}; }

// crun on this machine: see Cgroup2MountNamespace for why each part is needed.
inline OciRuntime crun(const Cgroup2MountNamespace& cgroup2) {
  return {MR_CRUN, {"--cgroup-manager=disabled"}, cgroup2.fd.get()};
}

}  // namespace mr::test
