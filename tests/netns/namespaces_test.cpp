#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("a new namespace holds only lo and the calling thread stays where it was") {
  Sandbox sb;  // root check; the host namespace is not used otherwise
  ino_t before = thread_netns_inode();
  auto ns = MUST(Netns::create());
  CHECK(thread_netns_inode() == before);
  CHECK(MUST(ns.inode()) != before);
  CHECK(ns.name().find(std::to_string(MUST(ns.inode()))) != std::string::npos);
  auto nl = MUST(NlSocket::open_in(ns));
  auto links = MUST(list_links(nl));
  REQUIRE(links.size() == 1);
  CHECK(links[0].name == "lo");
  CHECK_FALSE(links[0].up());
  CHECK(MUST(list_addresses(nl)).empty());  // lo is down: not even 127.0.0.1 yet
}

TEST_CASE("run_in runs inside the namespace and comes back") {
  Sandbox sb;
  ino_t before = thread_netns_inode();
  ino_t target = MUST(sb.host().ns.inode());
  ino_t inside = MUST(run_in(sb.host().ns, [] { return thread_netns_inode(); }));
  CHECK(inside == target);
  CHECK(thread_netns_inode() == before);
  ino_t seen = 0;
  MUST(run_in(sb.host().ns, [&] { seen = thread_netns_inode(); }));  // a void function
  CHECK(seen == target);
  // A Result-returning function's error comes back as it is.
  auto r = run_in(sb.host().ns, []() -> Result<int> { return fail(EPERM, "inner"); });
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "inner: Operation not permitted");
  CHECK(thread_netns_inode() == before);
  // A socket made inside knows its namespace (SIOCGSKNS).
  auto of_socket = MUST(Netns::of_socket(sb.host().nl.fd(), "sandbox socket"));
  CHECK(MUST(of_socket.inode()) == target);
  CHECK(of_socket.name() == "sandbox socket");
  // enter() is a guard: the thread is back once it is gone.
  {
    auto guard = MUST(enter(sb.host().ns));
    CHECK(thread_netns_inode() == target);
  }
  CHECK(thread_netns_inode() == before);
}

TEST_CASE("open_pid finds the namespace of another process") {
  Sandbox sb;
  int report[2], release[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(release, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: a namespace of its own, its inode reported, then wait to be released
    // (EOF on `release` once the parent closes its end).
    ::close(release[1]);
    ::close(report[0]);
    struct stat st{};
    int ok = ::unshare(CLONE_NEWNET) == 0 && ::stat("/proc/self/ns/net", &st) == 0;
    ino_t ino = ok ? st.st_ino : 0;
    (void)!::write(report[1], &ino, sizeof ino);
    char c;
    (void)!::read(release[0], &c, 1);
    ::_exit(0);
  }
  ::close(report[1]);
  ::close(release[0]);
  ino_t child_ino = 0;
  REQUIRE(::read(report[0], &child_ino, sizeof child_ino) == sizeof child_ino);
  REQUIRE(child_ino != 0);
  auto ns = Netns::open_pid(pid);
  auto again = Netns::open_path("/proc/" + std::to_string(pid) + "/ns/net");
  ::close(release[1]);  // the child exits
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  REQUIRE(ns);
  CHECK(MUST(ns->inode()) == child_ino);
  CHECK(child_ino != thread_netns_inode());
  CHECK(ns->name() == "/proc/" + std::to_string(pid) + "/ns/net");
  REQUIRE(again);
  CHECK(MUST(again->inode()) == child_ino);
  // The fd keeps the namespace alive after its process is gone.
  auto nl = MUST(NlSocket::open_in(*ns));
  CHECK(MUST(get_link(nl, "lo")).index == 1);
}

namespace {

// Whether fd has FD_CLOEXEC, as the kernel holds it: an fd without it would leak into
// every program the runtime or a hook execs (the workload, the user's OCI hooks).
bool close_on_exec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  REQUIRE_MESSAGE(flags >= 0, "fcntl(" << fd << ", F_GETFD) failed");
  return (flags & FD_CLOEXEC) != 0;
}

// The process's open fds that lack FD_CLOEXEC (fds the library keeps out of sight, such
// as the one an enter() guard saves, count too).
std::set<int> inheritable_fds() {
  std::set<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    int flags = ::fcntl(fd, F_GETFD);  // the iterator's own fd is closed by now: EBADF
    if (flags >= 0 && !(flags & FD_CLOEXEC)) out.insert(fd);
  }
  return out;
}

}  // namespace

TEST_CASE("every fd the library opens is close-on-exec") {
  Sandbox sb;
  auto inheritable_before = inheritable_fds();
  auto created = MUST(Netns::create());
  auto by_pid = MUST(Netns::open_pid(::getpid()));
  auto by_path = MUST(Netns::open_path("/proc/self/ns/net"));
  auto of_socket = MUST(Netns::of_socket(sb.host().nl.fd(), "sandbox socket"));
  auto in_ns = MUST(NlSocket::open_in(created));
  // current() and open() inside the sandbox host: what they find is the sandbox.
  auto [current, here] = MUST(run_in(sb.host().ns, []() -> Result<std::pair<Netns, NlSocket>> {
    auto ns = MR_TRY_VALUE(Netns::current());
    auto nl = MR_TRY_VALUE(NlSocket::open());
    return std::pair{std::move(ns), std::move(nl)};
  }));
  CHECK(MUST(current.inode()) == MUST(sb.host().ns.inode()));
  CHECK(close_on_exec(created.fd()));
  CHECK(close_on_exec(by_pid.fd()));
  CHECK(close_on_exec(by_path.fd()));
  CHECK(close_on_exec(of_socket.fd()));
  CHECK(close_on_exec(current.fd()));
  CHECK(close_on_exec(in_ns.fd()));
  CHECK(close_on_exec(here.fd()));
  CHECK(close_on_exec(sb.host().ns.fd()));
  CHECK(close_on_exec(sb.host().nl.fd()));
  // A pin opens (and closes) its file; an enter() guard holds the namespace it left.
  TempDir dir;
  MUST(created.pin(dir.file("ctr")));
  auto guard = MUST(enter(created));
  CHECK(inheritable_fds() == inheritable_before);
}

TEST_CASE("open_path refuses what is not a network namespace") {
  for (const char* path : {"/proc/self/ns/uts", "/proc/self/status"}) {
    auto r = Netns::open_path(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().err == EINVAL);
    CHECK(r.error().message() == "open network namespace " + std::string(path) +
                                     ": not a network namespace: Invalid argument");
  }
}

TEST_CASE("open_path of a missing file names the file") {
  auto r = Netns::open_path("/nonexistent/netns");
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENOENT);
  CHECK(r.error().message() == "open network namespace /nonexistent/netns: No such file or directory");
}

TEST_CASE("a pinned namespace outlives its last fd until it is unpinned") {
  TempDir dir;
  std::string pin = dir.file("ctr");
  ino_t ino = 0;
  {
    Sandbox sb;
    ino = MUST(sb.host().ns.inode());
    sb.veth("left0", "right0");
    MUST(sb.host().ns.pin(pin));
    CHECK(is_mount_point(pin));
  }  // the namespace's fd and its socket are closed here
  auto ns = MUST(Netns::open_path(pin));
  CHECK(MUST(ns.inode()) == ino);
  auto nl = MUST(NlSocket::open_in(ns));
  auto left = MUST(get_link(nl, "left0"));
  CHECK(left.kind == "veth");
  CHECK(MUST(find_link(nl, "right0")).has_value());

  MUST(Netns::unpin(pin));
  CHECK_FALSE(is_mount_point(pin));
  struct stat st{};
  CHECK(::stat(pin.c_str(), &st) != 0);
  CHECK(errno == ENOENT);
  CHECK(Netns::open_path(pin).error().err == ENOENT);
  MUST(Netns::unpin(pin));  // undo can be repeated
}

TEST_CASE("pin fails cleanly where no file can be made") {
  Sandbox sb;
  auto r = sb.host().ns.pin("/nonexistent/dir/ctr");
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENOENT);
  CHECK(r.error().message().find("/nonexistent/dir/ctr") != std::string::npos);
}

TEST_CASE("pinning the same path twice is undone by one unpin") {
  TempDir dir;
  std::string pin = dir.file("ctr");
  Sandbox sb;
  MUST(sb.host().ns.pin(pin));
  MUST(sb.host().ns.pin(pin));  // a retried setup pins again
  MUST(Netns::unpin(pin));
  CHECK_FALSE(is_mount_point(pin));
  struct stat st{};
  CHECK(::stat(pin.c_str(), &st) != 0);
}

TEST_CASE("open_pid of a process that is not there names its path") {
  auto r = Netns::open_pid(0x3fffffff);
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ENOENT);
  CHECK(r.error().message().find("/proc/1073741823/ns/net") != std::string::npos);
}
