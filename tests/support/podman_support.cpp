#include "support/podman_support.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace mr::test::podman {

namespace {

namespace fs = std::filesystem;

std::string contents(int fd) {
  ::lseek(fd, 0, SEEK_SET);
  return read_all(fd);
}

UniqueFd memfd(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  REQUIRE(fd);
  return fd;
}

// A mount namespace of our own, kept by its fd: a child unshares it, makes every mount
// in it private (nothing propagates back), covers /var/lib and /run with tmpfs, and exits.
UniqueFd private_mount_namespace() {
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  UniqueFd r(ready[0]), w(ready[1]);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", "/var/lib", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0 ||
        ::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
      ::_exit(1);
    char c = 'x';  // made: the parent opens it through /proc while we wait
    (void)!::write(w.get(), &c, 1);
    ::pause();
    ::_exit(0);
  }
  w.reset();
  char c;
  bool made = ::read(r.get(), &c, 1) == 1;
  UniqueFd ns(made ? ::open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC) : -1);
  ::kill(pid, SIGKILL);
  wait_status(pid);
  REQUIRE_MESSAGE(ns, "could not make a private mount namespace for podman");
  return ns;
}

// containers.conf's conmon_env_vars: conmon gets this environment alone, not podman's,
// and so does the `podman container cleanup` it runs when the container exits, which
// tears the network down (CNI DEL) whenever it takes the container's lock before `podman
// rm` does. The test's MR_LEASE_DIR and MR_POOL_DIR (cni_host.hpp) must reach the plugin
// and mini-runc there too: without them that DEL releases the device lease in the
// default lease directory and the test's lease is left behind.
std::string conmon_env_vars() {
  std::string out = "conmon_env_vars = [";
  bool first = true;
  for (const char* name : {"PATH", "MR_LEASE_DIR", "MR_POOL_DIR"})
    if (const char* value = std::getenv(name)) {
      out += std::string(first ? "" : ", ") + "\"" + name + "=" + value + "\"";
      first = false;
    }
  return out + "]\n";
}

}  // namespace

Engine mini_runc() { return {.runtime = "mini-runc", .mini_runc = true}; }

Engine runc(const std::string& hooks_dir) {
  REQUIRE_MESSAGE(fs::exists(MR_RUNC), "runc not found; install it (scripts/packages.txt)");
  return {.runtime = MR_RUNC, .hooks_dir = hooks_dir};
}

Running::~Running() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
}

Outcome Running::finish() {
  REQUIRE(pid_ > 0);
  Outcome o;
  o.status = wait_status(std::exchange(pid_, -1));
  o.out = contents(out_.get());
  o.err = contents(err_.get());
  return o;
}

Podman::Podman(Sandbox& sb, const std::string& dir, Engine engine)
    : sb_(sb),
      dir_(dir),
      engine_(std::move(engine)),
      cgroup_parent_(unique_cgroup_path("podman")),
      cgroups_(cgroup_parent_),
      mnt_(private_mount_namespace()) {
  REQUIRE_MESSAGE(::access(kPodman, X_OK) == 0, "podman is not installed (scripts/packages.txt lists it)");
  fs::create_directories(dir_ + "/tmp");
  // --cgroups=disabled is allowed only for the runtimes named here (this podman's key is
  // singular); mini-runc manages no cgroups.
  std::ofstream(dir_ + "/containers.conf") << "[engine]\n"
                                              "runtime_supports_nocgroup = [\"mini-runc\"]\n"
                                              "events_logger = \"none\"\n"
                                           << conmon_env_vars() << "[engine.runtimes]\n"
                                              "mini-runc = [\"" MINI_RUNC_PATH "\"]\n"
                                              // The networks a test creates (CNI .conflist
                                              // files and CNI's lock), not /etc/cni/net.d;
                                              // CNI even where netavark is installed too.
                                              "[network]\n"
                                              "network_backend = \"cni\"\n"
                                              "network_config_dir = \"" << dir_ << "/networks\"\n";
  if (!engine_.cni_plugin_dirs.empty()) {
    std::ofstream conf(dir_ + "/containers.conf", std::ios::app);
    conf << "cni_plugin_dirs = [";
    for (size_t i = 0; i < engine_.cni_plugin_dirs.size(); ++i)
      conf << (i ? ", \"" : "\"") << engine_.cni_plugin_dirs[i] << "\"";
    conf << "]\n";
  }
}

Podman::~Podman() {
  try {
    (*this)({"rm", "--all", "--force", "--time", "0"});
    (*this)({"rmi", "--all", "--force"});
  } catch (...) {
  }
  mnt_.reset();  // the last fd of the namespace: podman's mounts go with it
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

pid_t Podman::launch(const std::vector<std::string>& args, int out, int err, int terminal) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid != 0) return pid;
  if (terminal >= 0) {
    // A session of its own whose controlling terminal the pty is (TIOCSCTTY, tty_ioctl(4)).
    if (::setsid() < 0 || ::ioctl(terminal, TIOCSCTTY, 0) != 0) ::_exit(119);
    for (int fd = 0; fd < 3; ++fd) ::dup2(terminal, fd);
  } else {
    UniqueFd null(::open("/dev/null", O_RDONLY));
    ::dup2(null.get(), 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
  }
  if (::setns(mnt_.get(), CLONE_NEWNS) != 0 || ::setns(sb_.host().ns.fd(), CLONE_NEWNET) != 0) ::_exit(120);
  ::setenv("CONTAINERS_CONF", (dir_ + "/containers.conf").c_str(), 1);
  // Images, containers and podman's run state under the test's directory, not the
  // machine's /var/lib/containers and /run/containers; vfs needs no overlay mounts.
  // cgroupfs: the systemd manager needs a systemd bus the test does not have. No events
  // journal or file. The runtime to drive, by name (containers.conf) or path.
  std::vector<std::string> all = {kPodman,
                                  "--root", dir_ + "/storage",
                                  "--runroot", dir_ + "/run",
                                  "--tmpdir", dir_ + "/tmp",
                                  "--storage-driver", "vfs",
                                  "--cgroup-manager", "cgroupfs",
                                  "--events-backend", "none",
                                  "--runtime", engine_.runtime};
  if (!engine_.hooks_dir.empty()) all.insert(all.end(), {"--hooks-dir", engine_.hooks_dir});
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(kPodman, argv.data());
  ::_exit(121);
}

Outcome Podman::operator()(const std::vector<std::string>& args) { return start(args).finish(); }

Running Podman::start(const std::vector<std::string>& args) {
  auto out = memfd("stdout"), err = memfd("stderr");
  pid_t pid = launch(args, out.get(), err.get());
  return Running(pid, std::move(out), std::move(err));
}

Running Podman::start_on_terminal(const std::vector<std::string>& args, int terminal) {
  auto out = memfd("stdout"), err = memfd("stderr");
  pid_t pid = launch(args, out.get(), err.get(), terminal);
  return Running(pid, std::move(out), std::move(err));
}

void Podman::import_image() {
  require_ok((*this)({"import", std::string(kExampleBundle) + ".tar", kImage}), "podman import");
}

namespace {

// What every container needs on this machine. No CAP_SYS_RESOURCE here: podman's default
// rlimits (above the hard limits) cannot be set, so ask for values within them.
std::vector<std::string> machine_options() {
  auto limit = [](int resource, const char* name) {
    rlimit rl{};
    REQUIRE(::getrlimit(resource, &rl) == 0);
    auto v = std::to_string(std::min<rlim_t>(rl.rlim_max, 4096));
    return std::string(name) + "=" + v + ":" + v;
  };
  return {"--ulimit", limit(RLIMIT_NOFILE, "nofile"), "--ulimit", limit(RLIMIT_NPROC, "nproc"),
          "--pull", "never"};  // the image is local: never reach a registry
}

}  // namespace

// podman's own default parent, /libpod_parent, would stay on the machine with conmon's
// cgroup in it: every container's goes below the Podman's own parent instead.
std::vector<std::string> Podman::default_options() const {
  return concat(machine_options(), {"--cgroup-parent", cgroup_parent_});
}

std::vector<std::string> Podman::container_options() const {
  // The tests that are not about cgroups make none with mini-runc (and podman then takes
  // no cgroup parent). podman's default seccomp profile applies.
  if (engine_.mini_runc) return concat(machine_options(), {"--cgroups=disabled"});
  return default_options();
}

std::string Podman::output(const std::vector<std::string>& args) {
  auto o = (*this)(args);
  require_ok(o, args.front().c_str());
  REQUIRE(o.out.ends_with('\n'));
  return o.out.substr(0, o.out.size() - 1);
}

std::string Podman::inspect(const std::string& name, const std::string& format) {
  return output({"inspect", "--format", format, name});
}

std::string Podman::inside(const std::function<std::string()>& look) {
  auto out = memfd("inside");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setns(mnt_.get(), CLONE_NEWNS) != 0) ::_exit(120);
    std::string seen = look();
    ::_exit(::write(out.get(), seen.data(), seen.size()) == static_cast<ssize_t>(seen.size()) ? 0 : 121);
  }
  REQUIRE(wait_status(pid) == 0);
  return contents(out.get());
}

pid_t Podman::pid(const std::string& name) {
  pid_t pid = std::stoi(inspect(name, "{{.State.Pid}}"));
  REQUIRE_MESSAGE(pid > 0, name << " is not running");
  return pid;
}

std::string Podman::id(const std::string& name) { return inspect(name, "{{.Id}}"); }

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void require_ok(const Outcome& o, const char* what) {
  INFO(what << ": status " << o.status << "\nstdout: " << o.out << "\nstderr: " << o.err);
  REQUIRE(o.status == 0);
}

}  // namespace mr::test::podman
