// SCMP_ACT_NOTIFY: the runtime hands each container process's notify fd to the listener
// at linux.seccomp.listenerPath, with the container process state, as the runtime-spec
// says; the listener's answer is what the syscall returns inside the container.
#include <doctest/doctest.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/unique_fd.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
using mr::UniqueFd;
using nlohmann::json;

namespace {

struct Notified {
  pid_t pid;
  int nr;
};

// A seccomp listener on a unix socket: each connection brings one message (the state
// JSON) with a notify fd; every notification on those fds is answered with `answer`
// as the syscall's errno. Stopped and joined when it goes, even when a test fails.
class Listener {
 public:
  Listener(std::string path, int answer) : path_(std::move(path)), answer_(answer) {
    sock_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(sock_);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    REQUIRE(::bind(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(sock_.get(), 4) == 0);
    stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
    REQUIRE(stop_);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
  std::vector<json> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<Notified> notified() {
    std::lock_guard lock(mu_);
    return notified_;
  }

 private:
  void accept_one() {
    UniqueFd conn(::accept4(sock_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return;
    char buf[65536];
    iovec iov{.iov_base = buf, .iov_len = sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) return;
    std::lock_guard lock(mu_);
    messages_.push_back(json::parse(std::string(buf, static_cast<size_t>(n)), nullptr, false));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      notify_fds_.emplace_back(fd);
    }
  }
  void answer(int fd) {
    seccomp_notif req{};
    if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
    {
      std::lock_guard lock(mu_);
      notified_.push_back({static_cast<pid_t>(req.pid), req.data.nr});
    }
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.error = -answer_;
    (void)::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
  void serve() {
    for (;;) {
      std::vector<pollfd> fds = {{stop_.get(), POLLIN, 0}, {sock_.get(), POLLIN, 0}};
      {
        std::lock_guard lock(mu_);
        for (const auto& f : notify_fds_) fds.push_back({f.get(), POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) accept_one();
      for (size_t i = 2; i < fds.size(); ++i)
        if (fds[i].revents & POLLIN) answer(fds[i].fd);
    }
  }

  std::string path_;
  int answer_;
  UniqueFd sock_, stop_;
  std::mutex mu_;
  std::vector<json> messages_;
  std::vector<UniqueFd> notify_fds_;
  std::vector<Notified> notified_;
  std::thread thread_;
};

json notify_profile(const std::string& listener) {
  return {{"defaultAction", "SCMP_ACT_ALLOW"},
          {"listenerPath", listener},
          {"listenerMetadata", "tag=42"},
          {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "SCMP_ACT_NOTIFY hands the listener the notify fd and the state and its answer is the syscall's") {
  std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/mkdir");
  Listener listener(tmp.path() + "/listener.sock", EXDEV);
  b.config["linux"]["seccomp"] = notify_profile(tmp.path() + "/listener.sock");
  b.args({"mkdir", "/tmp/d"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "notified"});
  INFO(o.err);
  // busybox's mkdir reports the errno the listener chose.
  CHECK(o.status == 1);
  CHECK(o.err.find("Invalid cross-device link") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/d"));
  auto messages = listener.messages();
  REQUIRE(messages.size() == 1);
  const json& m = messages[0];
  INFO(m.dump());
  CHECK(m["fds"] == json::array({"seccompFd"}));
  CHECK(m["metadata"] == "tag=42");
  CHECK(m["state"]["id"] == "notified");
  CHECK(m["state"]["status"] == "creating");
  CHECK(m["state"]["pid"] == m["pid"]);
  CHECK(m["ociVersion"].is_string());
  // The kernel's notification: the container's process (the init, which exec'd mkdir)
  // made the call.
  auto notified = listener.notified();
  REQUIRE_FALSE(notified.empty());
  for (const auto& n : notified) CHECK(n.pid == m["pid"].get<pid_t>());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a process exec'd into a container with SCMP_ACT_NOTIFY hands the listener its own fd") {
  std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/mkdir");
  Listener listener(tmp.path() + "/listener.sock", ENOSPC);
  b.config["linux"]["seccomp"] = notify_profile(tmp.path() + "/listener.sock");
  std::string ready = b.rootfs() + "/tmp/ready";
  REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
  b.args({"sh", "-c", "echo up > /tmp/ready; exec sleep 1000"});
  b.write();
  auto r = runc({"run", "--detach", "--bundle", b.dir, "execnotify"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(read_file(ready) == "up\n");
  auto o = runc({"exec", "execnotify", "mkdir", "/tmp/e"});
  INFO(o.err);
  CHECK(o.status == 1);
  CHECK(o.err.find("No space left on device") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(b.rootfs() + "/tmp/e"));
  auto messages = listener.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[1]["state"]["status"] == "running");
  CHECK(messages[1]["pid"] != messages[0]["pid"]);
  auto notified = listener.notified();
  REQUIRE_FALSE(notified.empty());
  CHECK(notified.back().pid == messages[1]["pid"].get<pid_t>());
  CHECK(runc({"delete", "--force", "execnotify"}).status == 0);
}
