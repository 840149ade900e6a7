#include "netns/namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mr::netns {

namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71  // asm-generic/socket.h, Linux 5.14
#endif

Result<UniqueFd> open_ns_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open network namespace " + path);
  // Any file opens; only NS_GET_NSTYPE tells a network namespace from another namespace
  // or a plain file (ENOTTY), before setns() would fail far from here.
  if (::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET)
    return fail(EINVAL, "open network namespace " + path + ": not a network namespace");
  return fd;
}

}  // namespace

std::string NetnsIdentity::to_string() const {
  return "cookie " + std::to_string(cookie) + " dev " + std::to_string(dev) + " inode " + std::to_string(ino);
}

Result<NetnsIdentity> NetnsIdentity::parse(std::string_view text) {
  NetnsIdentity id;
  const char* p = text.data();
  const char* end = p + text.size();
  auto field = [&](std::string_view name, auto& value) {
    std::string_view rest(p, static_cast<size_t>(end - p));
    if (!rest.starts_with(name) || rest.size() <= name.size() || rest[name.size()] != ' ') return false;
    auto [next, ec] = std::from_chars(p + name.size() + 1, end, value);
    if (ec != std::errc{}) return false;
    p = next;
    if (p < end && (*p == ' ' || *p == '\n')) ++p;
    return true;
  };
  if (!field("cookie", id.cookie) || !field("dev", id.dev) || !field("inode", id.ino) || p != end)
    return fail(EINVAL, "expected \"cookie N dev N inode N\"");
  return id;
}

Result<Netns> Netns::current() {
  auto fd = MR_TRY_VALUE(open_ns_file(kThreadNetns));
  return Netns(std::move(fd), "current netns");
}

Result<Netns> Netns::create() {
  auto saved = MR_TRY_VALUE(open_ns_file(kThreadNetns));
  if (::unshare(CLONE_NEWNET) != 0) return fail(errno, "unshare(CLONE_NEWNET)");
  // From here the thread is in the new namespace: always go back before returning.
  NetnsGuard back(std::move(saved));
  auto fd = MR_TRY_VALUE(open_ns_file(kThreadNetns));
  struct stat st{};
  ::fstat(fd.get(), &st);
  return Netns(std::move(fd), "new netns " + std::to_string(st.st_ino));
}

Result<Netns> Netns::open_pid(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  auto fd = MR_TRY_VALUE(open_ns_file(path));
  return Netns(std::move(fd), path);
}

Result<Netns> Netns::open_path(const std::string& path) {
  auto fd = MR_TRY_VALUE(open_ns_file(path));
  return Netns(std::move(fd), path);
}

Result<Netns> Netns::of_socket(int sock, std::string name) {
  // open_related_ns() gives the new fd O_CLOEXEC.
  UniqueFd fd(::ioctl(sock, SIOCGSKNS));
  if (!fd) return fail(errno, "find the network namespace of " + name);
  return Netns(std::move(fd), std::move(name));
}

Result<ino_t> Netns::inode() const {
  struct stat st{};
  if (::fstat(fd_.get(), &st) != 0) return fail(errno, "stat " + name_);
  return st.st_ino;
}

Result<NetnsIdentity> Netns::identity(int sock_in_it) const {
  struct stat st{};
  if (::fstat(fd_.get(), &st) != 0) return fail(errno, "stat " + name_);
  NetnsIdentity id{.dev = st.st_dev, .ino = st.st_ino};
  socklen_t len = sizeof id.cookie;
  if (::getsockopt(sock_in_it, SOL_SOCKET, SO_NETNS_COOKIE, &id.cookie, &len) != 0) {
    if (errno != ENOPROTOOPT) return fail(errno, "read the cookie of " + name_);
    id.cookie = 0;
  }
  return id;
}

Result<void> Netns::pin(const std::string& path) const {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
  if (!file) return fail(errno, "create pin file " + path);
  // The namespace fd's /proc/self/fd link is the namespace file itself.
  std::string source = "/proc/self/fd/" + std::to_string(fd_.get());
  if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return fail(err, "pin " + name_ + " at " + path);
  }
  return {};
}

Result<void> Netns::unpin(const std::string& path) {
  // pin() run twice stacks two mounts: detach them all, until umount2() finds no mount
  // point (EINVAL) or no file (ENOENT).
  for (;;) {
    if (::umount2(path.c_str(), MNT_DETACH) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) break;
    return fail(errno, "unmount pinned netns " + path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return fail(errno, "remove pinned netns file " + path);
  return {};
}

Result<void> Netns::share_pin_directory(const std::string& dir) {
  // A propagation change alone (mount(2), MS_SHARED and no other flag) is the check: on
  // a shared mount point it changes nothing, and where `dir` is no mount point it fails
  // with EINVAL. Not recursive: a pin made under a shared mount is made shared itself
  // (attach_recursive_mnt()), and MS_REC would walk every pin at every create.
  auto make_shared = [&] { return ::mount(nullptr, dir.c_str(), nullptr, MS_SHARED, nullptr) == 0; };
  if (make_shared()) return {};
  if (errno != EINVAL) return fail(errno, "make " + dir + " a shared mount");
  // Once per boot (or per mount namespace): under a lock on `dir`, so that two creates
  // racing here do not stack two bind mounts.
  UniqueFd lock(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock) return fail(errno, "open " + dir);
  while (::flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail(errno, "lock " + dir);
  if (make_shared()) return {};
  // MS_REC: the pins already there are bound along, not hidden under the new mount.
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return fail(errno, "bind-mount " + dir + " onto itself");
  if (!make_shared()) return fail(errno, "make " + dir + " a shared mount");
  return {};
}

Result<NetnsGuard> enter(const Netns& ns) {
  auto saved = MR_TRY_VALUE(open_ns_file(kThreadNetns));
  if (::setns(ns.fd(), CLONE_NEWNET) != 0) return fail(errno, "enter " + ns.name());
  return NetnsGuard(std::move(saved));
}

NetnsGuard::~NetnsGuard() {
  if (!saved_) return;
  if (::setns(saved_.get(), CLONE_NEWNET) != 0) {
    // A thread left in the wrong namespace would act on the wrong devices: stop here.
    std::fprintf(stderr, "mini-runc: cannot return to the original network namespace: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

}  // namespace mr::netns
