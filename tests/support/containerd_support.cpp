#include "support/containerd_support.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/files.hpp"
#include "support/process.hpp"

namespace mr::test::containerd {

namespace {

namespace fs = std::filesystem;

constexpr const char* kContainerd = "/usr/bin/containerd";
constexpr const char* kCtr = "/usr/bin/ctr";
constexpr int kBootSeconds = 20;

UniqueFd memfd(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  REQUIRE(fd);
  return fd;
}

// What the world's init does before it tells the test it is ready: plain syscalls only
// (it is a clone of a process that may have threads).
struct WorldMounts {
  std::string etc_options, cni_conf_dir, cni_bin_dir;
};

bool make_dir(const char* path) { return ::mkdir(path, 0755) == 0 || errno == EEXIST; }

int set_up_world(const WorldMounts& m) {
  constexpr unsigned long kTmpfs = MS_NOSUID | MS_NODEV;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 ||
      ::mount("tmpfs", "/run", "tmpfs", kTmpfs, "mode=0755") != 0 ||
      ::mount("tmpfs", "/var/lib", "tmpfs", kTmpfs, "mode=0755") != 0 ||
      ::mount("tmpfs", "/opt", "tmpfs", kTmpfs, "mode=0755") != 0 || !make_dir("/run/etc-upper") ||
      !make_dir("/run/etc-work") || ::mount("overlay", "/etc", "overlay", 0, m.etc_options.c_str()) != 0 ||
      !make_dir("/etc/cni") || !make_dir("/etc/cni/net.d") ||
      ::mount(m.cni_conf_dir.c_str(), "/etc/cni/net.d", nullptr, MS_BIND, nullptr) != 0 || !make_dir("/opt/cni") ||
      !make_dir("/opt/cni/bin") || ::mount(m.cni_bin_dir.c_str(), "/opt/cni/bin", nullptr, MS_BIND, nullptr) != 0)
    return errno;
  return 0;
}

// Waits until `path` (a log file, appended to) holds `text`, on inotify's events; false
// if `pidfd`'s process exits first or the deadline passes.
bool wait_for_text(const std::string& path, const std::string& text, int pidfd, int seconds) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  REQUIRE(in);
  REQUIRE(::inotify_add_watch(in.get(), path.c_str(), IN_MODIFY) >= 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    if (read_file(path).find(text) != std::string::npos) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{in.get(), POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if (fds[1].revents) return read_file(path).find(text) != std::string::npos;
    char buf[4096];
    while (::read(in.get(), buf, sizeof buf) > 0) {}
  }
}

std::vector<long> status_field(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(name + ":")) {
      std::istringstream fields(line.substr(name.size() + 1));
      std::vector<long> out;
      for (long v; fields >> v;) out.push_back(v);
      return out;
    }
  return {};
}

}  // namespace

Containerd::Containerd(Sandbox& sb, const std::string& dir, const std::string& cni_conf_dir, const std::string& cni_bin_dir)
    : sb_(sb), dir_(dir) {
  const bool installed = ::access(kContainerd, X_OK) == 0 && ::access(kCtr, X_OK) == 0;
  REQUIRE_MESSAGE(installed, "containerd is not installed (scripts/packages.txt lists it)");
  fs::create_directories(dir_);
  const WorldMounts m{"lowerdir=/etc,upperdir=/run/etc-upper,workdir=/run/etc-work", cni_conf_dir, cni_bin_dir};
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  UniqueFd r(ready[0]), w(ready[1]);
  // fork() with new PID and mount namespaces: the child is pid 1 of the former.
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test gone, the world goes
    // Orphans (the shims, which daemonize) are reparented to us: reaped by the kernel.
    ::signal(SIGCHLD, SIG_IGN);
    int err = set_up_world(m);
    (void)!::write(w.get(), &err, sizeof err);
    w.reset();
    for (;;) ::pause();
  }
  init_ = pid;
  w.reset();
  int err = -1;
  bool answered = ::read(r.get(), &err, sizeof err) == sizeof err;
  if (answered && err == 0) {
    mnt_.reset(::open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
    pid_ns_.reset(::open(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (!mnt_ || !pid_ns_) {
    cleanup();
    FAIL("could not make containerd's world: " << (answered ? std::strerror(err) : "its init died"));
  }

  std::ofstream(dir_ + "/config.toml") << "version = 2\n"
                                          "root = \"" << dir_ << "/root\"\n"
                                          "state = \"" << dir_ << "/state\"\n"
                                          // Not needed, and the CRI plugin would load CNI
                                          // configurations of its own.
                                          "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
                                          "\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\", "
                                          "\"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.zfs\"]\n"
                                          "[grpc]\n"
                                          "  address = \"" << dir_ << "/containerd.sock\"\n"
                                          "[ttrpc]\n"
                                          "  address = \"" << dir_ << "/containerd.sock.ttrpc\"\n"
                                          "[plugins.\"io.containerd.internal.v1.opt\"]\n"
                                          "  path = \"" << dir_ << "/opt\"\n";
  const std::string log_path = dir_ + "/containerd.log";
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
  REQUIRE(log);
  daemon_ = launch({kContainerd, "--config", dir_ + "/config.toml", "--log-level", "info"}, log.get(), log.get());
  UniqueFd pidfd(open_pidfd(daemon_));
  bool booted = wait_for_text(log_path, "containerd successfully booted", pidfd.get(), kBootSeconds);
  if (!booted) {
    std::string seen = read_file(log_path);
    cleanup();
    FAIL("containerd did not boot within " << kBootSeconds << " s:\n" << seen);
  }
}

Containerd::~Containerd() {
  try {
    auto tasks = ctr({"tasks", "list", "--quiet"});
    std::istringstream ids(tasks.out);
    for (std::string id; ids >> id;) {
      ctr({"tasks", "kill", "--signal", "SIGKILL", id});
      ctr({"tasks", "delete", "--force", id});
    }
    auto containers = ctr({"containers", "list", "--quiet"});
    std::istringstream cids(containers.out);
    for (std::string id; cids >> id;) ctr({"containers", "delete", id});
  } catch (...) {
  }
  cleanup();
}

void Containerd::cleanup() {
  if (init_ > 0) {
    ::kill(init_, SIGKILL);  // pid 1 of the namespace: the kernel kills all the rest
    wait_status(std::exchange(init_, -1));
  }
  if (daemon_ > 0) wait_status(std::exchange(daemon_, -1));
  mnt_.reset();  // the namespace's last reference: its mounts go
  pid_ns_.reset();
  // Empty now that every process of the world is gone; already removed when runc deleted
  // its container.
  std::error_code ec;
  for (const auto& name : cgroups_) {
    ::rmdir(("/sys/fs/cgroup" + name).c_str());
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) ::rmdir((h.path().string() + name).c_str());
  }
}

std::string Containerd::cgroup(const std::string& id) {
  cgroups_.push_back("/mr-test-" + std::to_string(::getpid()) + "-" + id);
  return cgroups_.back();
}

pid_t Containerd::launch(const std::vector<std::string>& argv, int out, int err) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid != 0) return pid;
  // The launcher joins the namespaces; setns() of a PID namespace takes effect for its
  // children, so the program is its child, whose exit status it passes on.
  UniqueFd null(::open("/dev/null", O_RDONLY));
  ::dup2(null.get(), 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  if (::setns(mnt_.get(), CLONE_NEWNS) != 0 || ::setns(sb_.host().ns.fd(), CLONE_NEWNET) != 0 ||
      ::setns(pid_ns_.get(), CLONE_NEWPID) != 0)
    ::_exit(120);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  pid_t child = ::fork();
  if (child < 0) ::_exit(121);
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(122);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

Outcome Containerd::ctr(const std::vector<std::string>& args) { return start_ctr(args).finish(); }

podman::Running Containerd::start_ctr(const std::vector<std::string>& args) {
  // A containerd that died is not waited for (ctr would wait on its socket for ever).
  std::vector<std::string> argv = {kCtr, "--address", dir_ + "/containerd.sock", "--connect-timeout", "10s"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = memfd("stdout"), err = memfd("stderr");
  pid_t pid = launch(argv, out.get(), err.get());
  return podman::Running(pid, std::move(out), std::move(err));
}

void Containerd::import_image() {
  podman::require_ok(ctr({"images", "import", "--snapshotter", "native", kImageArchive}), "ctr images import");
}

pid_t Containerd::host_pid(pid_t pid) {
  // NSpid lists a process's pid in each PID namespace from the machine's down; the
  // world's processes (the containers' inits too, a level further down) have the
  // world's pid second, and descend from its init.
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t candidate = std::stoi(name);
    auto nspid = status_field(candidate, "NSpid");
    if (nspid.size() < 2 || nspid[1] != pid) continue;
    for (pid_t p = candidate; p > 1;) {
      auto ppid = status_field(p, "PPid");
      if (ppid.empty()) break;
      p = static_cast<pid_t>(ppid[0]);
      if (p == init_) return candidate;
    }
  }
  FAIL("no process " << pid << " in containerd's world");
  return -1;
}

std::string Containerd::log() const { return read_file(dir_ + "/containerd.log"); }

}  // namespace mr::test::containerd
