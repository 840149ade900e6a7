// Running Debian's podman from tests without touching anything global: podman gets its
// own storage (vfs), run and tmp directories, containers.conf and network configuration
// directory under a test directory, and every podman process runs inside the sandbox
// "host" network namespace and inside a private mount namespace made for the test, where
// podman's own mounts (the containers' /dev/shm, the network namespaces it makes under
// /run/netns, netns-hook's pins) stay and tmpfs cover /var/lib (podman keeps a blob cache
// in /var/lib/containers whatever --root says; CNI keeps its address leases and results
// in /var/lib/cni) and /run (mini-runc's default --root, /run/mini-runc: podman's
// `container cleanup`, run by conmon when a container exits, calls `delete` without
// podman's --runtime-flag options, so mini-runc must keep its state at the default; also
// iptables' /run/xtables.lock, and the machine's D-Bus socket is hidden, so CNI's
// firewall plugin uses iptables instead of asking a firewalld). Closing that namespace's
// last fd unmounts all of it.
//
// podman's own networks (CNI on Debian 12's podman 4.3: `podman info` reports the
// network backend "cni") are made by the CNI plugins podman executes, which inherit its
// network namespace: the bridge, the net.ipv4.ip_forward it sets and the NAT and filter
// rules (iptables-nft) all land in the sandbox host and go when it does.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "support/cgroup_helpers.hpp"
#include "support/runtime_harness.hpp"
#include "base/unique_fd.hpp"
#include "support/sandbox.hpp"

namespace mr::test::podman {

inline constexpr const char* kPodman = "/usr/bin/podman";
inline constexpr const char* kImage = "localhost/mini-runc-busybox:test";
// The example bundle as the build made it with scripts/make-bundle.sh (tests/CMakeLists.txt),
// and its rootfs as a tarball at kExampleBundle + ".tar".
inline constexpr const char* kExampleBundle = MR_EXAMPLE_BUNDLE;

// The OCI runtime podman drives, and where it looks for OCI hooks configuration files.
struct Engine {
  std::string runtime;        // a name from containers.conf's [engine.runtimes], or a path
  std::string hooks_dir;      // podman --hooks-dir, if not empty
  bool mini_runc = false;     // it needs --cgroups=disabled
  // Where podman's CNI backend looks for plugins (containers.conf cni_plugin_dirs), if
  // not podman's default.
  std::vector<std::string> cni_plugin_dirs;
};
// The built mini-runc, named "mini-runc" in containers.conf.
Engine mini_runc();
// Debian's runc (podman's default runtime), with OCI hooks from `hooks_dir`.
Engine runc(const std::string& hooks_dir);

// A podman command started and not yet waited for.
class Running {
 public:
  Running(pid_t pid, UniqueFd out, UniqueFd err) : pid_(pid), out_(std::move(out)), err_(std::move(err)) {}
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  ~Running();  // kills and reaps one never finished
  // Waits for it to exit.
  Outcome finish();

 private:
  pid_t pid_;
  UniqueFd out_, err_;
};

class Podman {
 public:
  Podman(Sandbox& sb, const std::string& dir, Engine engine = mini_runc());
  Podman(const Podman&) = delete;
  Podman& operator=(const Podman&) = delete;
  ~Podman();  // removes every container and image, then the directory

  // `podman GLOBAL-OPTIONS args...` to completion.
  Outcome operator()(const std::vector<std::string>& args);
  // The same, without waiting.
  Running start(const std::vector<std::string>& args);
  // The same with `terminal` (a pty's peer) as its stdin, stdout, stderr and controlling
  // terminal, as `podman exec -it` needs: what it prints is read from the pty's master.
  Running start_on_terminal(const std::vector<std::string>& args, int terminal);
  // `podman import` of the example bundle's rootfs (busybox and all its applets) as the
  // image kImage.
  void import_image();
  // `podman run`/`create` options every container needs on this machine (with mini-runc,
  // no cgroups: --cgroups=disabled).
  std::vector<std::string> container_options() const;
  // Only what this machine needs (rlimits within its hard limits, no registry): podman's
  // defaults otherwise, its seccomp profile and cgroups included.
  std::vector<std::string> default_options() const;
  // The cgroup parent of this podman's containers and of conmon (--cgroup-parent): a
  // path of the test's own, removed from every hierarchy with the Podman.
  const std::string& cgroup_parent() const { return cgroup_parent_; }
  // The container's init as the host sees it (`podman inspect`), and its full id.
  pid_t pid(const std::string& name);
  std::string id(const std::string& name);
  // `podman inspect --format FORMAT name`, without the final newline.
  std::string inspect(const std::string& name, const std::string& format);
  // What a successful `podman args...` printed, without the final newline.
  std::string output(const std::vector<std::string>& args);
  // What `look` returns when run inside podman's mount namespace, where /run/netns,
  // /run/mini-runc and /var/lib/cni are podman's (in a child: the test never moves).
  std::string inside(const std::function<std::string()>& look);

  std::string dir() const { return dir_; }

 private:
  // With `terminal`, that is its stdio and controlling terminal instead.
  pid_t launch(const std::vector<std::string>& args, int out, int err, int terminal = -1);
  Sandbox& sb_;
  std::string dir_;
  Engine engine_;
  std::string cgroup_parent_;
  CgroupCleanup cgroups_;
  UniqueFd mnt_;
};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b);
void require_ok(const Outcome& o, const char* what);

}  // namespace mr::test::podman
