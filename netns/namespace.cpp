#include "netns/namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mr::netns {

namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

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
