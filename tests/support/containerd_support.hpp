// Running Debian's containerd 1.6 and its ctr from tests without touching anything of the
// machine's. containerd, its shims, runc, the containers and every ctr command live in a
// world made for the test: a PID namespace whose init the test holds (killing it kills
// every process left in there, a shim that outlived containerd too), a private mount
// namespace and the sandbox "host" network namespace. In the mount namespace / is
// rprivate (nothing propagates back), /proc is the PID namespace's, tmpfs cover /run
// (the shims' sockets in /run/containerd/s and runc's state, whatever --state says) and
// /var/lib (libcni's cache), and ctr's CNI directories, which it does not take from any
// option or configuration (go-cni's defaults /etc/cni/net.d and /opt/cni/bin), show the
// test's: /etc is an overlay whose upper layer is on the tmpfs, /opt a tmpfs.
// containerd's configuration, root, state and sockets are under the test's directory.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "support/podman_support.hpp"
#include "support/runtime_harness.hpp"
#include "support/sandbox.hpp"

namespace mr::test::containerd {

// The example busybox rootfs as an OCI image archive (scripts/make-oci-image.sh), and its
// name once imported.
inline constexpr const char* kImageArchive = MR_OCI_IMAGE;
inline constexpr const char* kImage = "localhost/mini-runc-busybox:test";

class Containerd {
 public:
  // Makes the world and starts containerd in it; returns once it serves. ctr sees
  // `cni_conf_dir` at /etc/cni/net.d and `cni_bin_dir` at /opt/cni/bin.
  Containerd(Sandbox& sb, const std::string& dir, const std::string& cni_conf_dir, const std::string& cni_bin_dir);
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;
  // Kills and deletes every task, removes every container, then kills the world's init:
  // containerd and whatever else is left in its PID namespace go with it.
  ~Containerd();

  // `ctr --address SOCKET args...` in the world, to completion.
  Outcome ctr(const std::vector<std::string>& args);
  // The same, without waiting.
  podman::Running start_ctr(const std::vector<std::string>& args);
  // `ctr images import` of kImageArchive, unpacked for the native snapshotter.
  void import_image();
  // The pid, as the test sees it, of the process the world calls `pid` (ctr and
  // containerd report the world's pids).
  pid_t host_pid(pid_t pid);
  // A cgroup for container `id` (ctr run --cgroup): runc makes it in each of the
  // machine's hierarchies and removes it at `ctr tasks delete`; if the test ends before,
  // the destructor removes it.
  std::string cgroup(const std::string& id);
  // containerd's log so far (its stderr).
  std::string log() const;
  const std::string& dir() const { return dir_; }

 private:
  pid_t launch(const std::vector<std::string>& argv, int out, int err);
  void cleanup();
  Sandbox& sb_;
  std::string dir_;
  pid_t init_ = -1;  // the world's init (pid 1 there), the test's child
  UniqueFd mnt_, pid_ns_;
  pid_t daemon_ = -1;  // the launcher of containerd
  std::vector<std::string> cgroups_;
};

}  // namespace mr::test::containerd
