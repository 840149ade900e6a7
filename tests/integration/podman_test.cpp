// A real engine drives mini-runc: podman (Debian's, through conmon) runs a busybox image
// with --runtime pointing at the built binary, with no network and with a network that
// the spec named by the org.mini-runc.network annotation gives it.
//
// Nothing global is touched: podman gets its own storage (vfs), run and tmp directories
// and containers.conf under a test directory, and every podman process runs inside the
// sandbox "host" network namespace and inside a private mount namespace made for the
// test, where podman's own mounts (the containers' /dev/shm) stay and tmpfs cover
// /var/lib (podman keeps a blob cache in /var/lib/containers whatever --root says) and
// /run (mini-runc's default --root, /run/mini-runc: podman's `container cleanup`, run by
// conmon when a container exits, calls `delete` without podman's --runtime-flag
// options, so mini-runc must keep its state at the default). Closing that namespace's
// last fd unmounts all of it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "integration/rfc_support.hpp"
#include "netns/address.hpp"

using namespace mr::test;
using namespace mr::test::rfc;
using mr::netns::UniqueFd;

namespace {

namespace fs = std::filesystem;

constexpr const char* kPodman = "/usr/bin/podman";
constexpr const char* kImage = "localhost/mini-runc-busybox:test";

// A minimal ustar archive writer: directories, regular files and symlinks, owned by root.
class Tar {
 public:
  void dir(const std::string& name) { header(name + "/", '5', 0755, 0, ""); }
  void file(const std::string& name, const std::string& data, unsigned mode = 0644) {
    header(name, '0', mode, data.size(), "");
    out_ += data;
    out_.append((512 - data.size() % 512) % 512, '\0');
  }
  void symlink(const std::string& name, const std::string& target) { header(name, '2', 0777, 0, target); }
  std::string finish() { return out_ + std::string(1024, '\0'); }

 private:
  void header(const std::string& name, char type, unsigned mode, std::size_t size, const std::string& link) {
    REQUIRE(name.size() < 100);
    std::array<char, 512> h{};
    auto put = [&](std::size_t at, std::size_t width, const std::string& s) { std::memcpy(&h[at], s.data(), std::min(width, s.size())); };
    auto octal = [&](std::size_t at, std::size_t width, unsigned long v) {
      std::string s(width - 1, '0');
      for (std::size_t i = width - 1; i-- > 0; v >>= 3) s[i] = static_cast<char>('0' + (v & 7));
      put(at, width, s);
    };
    put(0, 100, name);
    octal(100, 8, mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, size);
    octal(136, 12, 0);
    h[156] = type;
    put(157, 100, link);
    put(257, 6, std::string("ustar\0", 6));
    put(263, 2, "00");
    put(265, 32, "root");
    put(297, 32, "root");
    std::memset(&h[148], ' ', 8);
    unsigned long sum = 0;
    for (char c : h) sum += static_cast<unsigned char>(c);
    octal(148, 7, sum);
    out_.append(h.data(), h.size());
  }
  std::string out_;
};

// A busybox root filesystem with a web page, as a tarball for `podman import`.
std::string busybox_tarball() {
  Tar t;
  for (const char* d : {"bin", "dev", "etc", "proc", "run", "sys", "tmp", "www"}) t.dir(d);
  std::ifstream in("/bin/busybox", std::ios::binary);
  REQUIRE(in);
  t.file("bin/busybox", std::string(std::istreambuf_iterator<char>(in), {}), 0755);
  for (const char* applet : {"sh", "ls", "cat", "echo", "sleep", "nc", "httpd", "ip"})
    t.symlink(std::string("bin/") + applet, "busybox");
  t.file("etc/passwd", "root:x:0:0:root:/:/bin/sh\n");
  t.file("etc/group", "root:x:0:\n");
  t.file("www/index.html", "I am podman's\n");
  return t.finish();
}

std::string contents(int fd) {
  ::lseek(fd, 0, SEEK_SET);
  return read_all(fd);
}

// A mount namespace of our own, kept by its fd: a child unshares it, makes every mount
// in it private (nothing propagates back), covers /var/lib with a tmpfs, and exits.
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

class Podman {
 public:
  Podman(Sandbox& sb, const std::string& dir) : sb_(sb), dir_(dir), mnt_(private_mount_namespace()) {
    REQUIRE_MESSAGE(::access(kPodman, X_OK) == 0, "podman is not installed (scripts/packages.txt lists it)");
    fs::create_directories(dir_ + "/tmp");
    // --cgroups=disabled is allowed only for the runtimes named here (this podman's key is
    // singular); mini-runc manages no cgroups.
    std::ofstream(dir_ + "/containers.conf") << "[engine]\n"
                                                "runtime_supports_nocgroup = [\"mini-runc\"]\n"
                                                "events_logger = \"none\"\n"
                                                "[engine.runtimes]\n"
                                                "mini-runc = [\"" MINI_RUNC_PATH "\"]\n";
    std::ofstream(dir_ + "/image.tar") << busybox_tarball();
  }
  Podman(const Podman&) = delete;
  Podman& operator=(const Podman&) = delete;
  ~Podman() {
    try {
      (*this)({"rm", "--all", "--force", "--time", "0"});
      (*this)({"rmi", "--all", "--force"});
    } catch (...) {
    }
    mnt_.reset();  // the last fd of the namespace: podman's mounts go with it
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Outcome operator()(const std::vector<std::string>& args) {
    UniqueFd out(::memfd_create("stdout", MFD_CLOEXEC)), err(::memfd_create("stderr", MFD_CLOEXEC));
    REQUIRE((out && err));
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      UniqueFd null(::open("/dev/null", O_RDONLY));
      ::dup2(null.get(), 0);
      ::dup2(out.get(), 1);
      ::dup2(err.get(), 2);
      if (::setns(mnt_.get(), CLONE_NEWNS) != 0 || ::setns(sb_.host().ns.fd(), CLONE_NEWNET) != 0) ::_exit(120);
      ::setenv("CONTAINERS_CONF", (dir_ + "/containers.conf").c_str(), 1);
      std::vector<std::string> all = {kPodman,
                                      "--root", dir_ + "/storage",
                                      "--runroot", dir_ + "/run",
                                      "--tmpdir", dir_ + "/tmp",
                                      "--storage-driver", "vfs",
                                      "--cgroup-manager", "cgroupfs",
                                      "--events-backend", "none",
                                      "--runtime", "mini-runc"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(kPodman, argv.data());
      ::_exit(121);
    }
    Outcome o;
    o.status = wait_status(pid);
    o.out = contents(out.get());
    o.err = contents(err.get());
    return o;
  }

  // `podman run`/`create` options every container needs on this machine.
  static std::vector<std::string> container_options() {
    // No CAP_SYS_RESOURCE here: podman's default rlimits (above the hard limits) cannot
    // be set, so ask for values within them.
    auto limit = [](int resource, const char* name) {
      rlimit rl{};
      REQUIRE(::getrlimit(resource, &rl) == 0);
      auto v = std::to_string(std::min<rlim_t>(rl.rlim_max, 4096));
      return std::string(name) + "=" + v + ":" + v;
    };
    return {"--cgroups=disabled",
            "--ulimit", limit(RLIMIT_NOFILE, "nofile"),
            "--ulimit", limit(RLIMIT_NPROC, "nproc"),
            "--security-opt", "seccomp=unconfined",  // mini-runc refuses linux.seccomp
            "--pull", "never"};
  }

  std::string dir() const { return dir_; }

 private:
  Sandbox& sb_;
  std::string dir_;
  UniqueFd mnt_;
};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void require_ok(const Outcome& o, const char* what) {
  INFO(what << ": status " << o.status << "\nstdout: " << o.out << "\nstderr: " << o.err);
  REQUIRE(o.status == 0);
}

}  // namespace

TEST_CASE("podman runs a busybox image through mini-runc with --network none") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  TempDir tmp;
  Podman podman(sb, tmp.path() + "/podman");
  std::string before = host_state(sb.host());
  auto info = podman({"info", "--format", "{{.Host.OCIRuntime.Path}}"});
  CHECK(info.out == MINI_RUNC_PATH "\n");  // the built binary, not a runtime of the machine's
  require_ok(podman({"import", podman.dir() + "/image.tar", kImage}), "podman import");
  auto run = podman(concat({"run", "--rm", "--network", "none"},
                           concat(Podman::container_options(), {kImage, "sh", "-c", "ls /sys/class/net; cat /www/index.html"})));
  require_ok(run, "podman run");
  CHECK(run.out == "lo\nI am podman's\n");
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());  // --rm: podman deleted it
}

TEST_CASE("podman drives create, start, kill and rm of a mini-runc container networked by annotation") {
  BridgedHost h;
  Podman podman(h.sb, h.tmp.path() + "/podman");
  require_ok(podman({"import", podman.dir() + "/image.tar", kImage}), "podman import");
  std::string spec = podman.dir() + "/net.json";
  std::ofstream(spec) << BridgedHost::veth_spec("10.88.0.2", "vpod0").dump();
  std::string before = host_state(h.sb.host());
  auto reports = tcp_listen(h.sb.host(), ip("10.88.0.1"), 9000);

  // httpd binds before it daemonizes; then the workload tells the test so, over the
  // network the spec gave it.
  auto create = podman(concat({"create", "--name", "web", "--network", "none", "--annotation",
                               "org.mini-runc.network=" + spec},
                              concat(Podman::container_options(),
                                     {kImage, "sh", "-c",
                                      "httpd -p 0.0.0.0:8080 -h /www || exit 1; echo ready | nc 10.88.0.1 9000; "
                                      "trap 'exit 0' TERM; sleep 1000 & wait"})));
  require_ok(create, "podman create");
  require_ok(podman({"start", "web"}), "podman start");
  auto ready = accept_one(reports);
  CHECK(peer_ip(ready) == "10.88.0.2");
  CHECK(read_to_eof(ready) == "ready\n");
  ready.reset();

  auto vpod = h.sb.host().link("vpod0");
  CHECK(vpod.master == h.sb.host().link("br0").index);
  h.sb.host().wait_oper_up("vpod0");
  UniqueFd conn;
  REQUIRE(connect_errno(h.sb.host(), ip("10.88.0.2"), 8080, conn) == 0);
  send_all(conn, "GET /index.html HTTP/1.0\r\n\r\n");
  auto reply = read_to_eof(conn);
  CHECK(reply.ends_with("\r\n\r\nI am podman's\n"));

  auto inspect = podman({"inspect", "--format", "{{.State.Status}}", "web"});
  CHECK(inspect.out == "running\n");
  require_ok(podman({"kill", "web"}), "podman kill");
  auto wait = podman({"wait", "web"});
  require_ok(wait, "podman wait");
  CHECK(wait.out == "137\n");  // SIGKILL
  require_ok(podman({"rm", "web"}), "podman rm");
  CHECK(settled_host_state(h.sb.host(), before) == before);  // the veth went with the container
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}
