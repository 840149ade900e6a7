#include "runtime/devices.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "runtime/safe_path.hpp"

namespace mr::runtime {

namespace {

constexpr const char* kDefaultDevices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                           "/dev/tty"};
constexpr std::pair<const char*, const char*> kDevLinks[] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

mode_t file_type(char type) {
  switch (type) {
    case 'b': return S_IFBLK;
    case 'p': return S_IFIFO;
    default: return S_IFCHR;  // 'c' and 'u'
  }
}

std::string describe(const oci::Device& d) {
  if (d.type == 'p') return "a FIFO";
  return std::string(d.type == 'b' ? "block" : "character") + " device " + std::to_string(d.major) + ":" +
         std::to_string(d.minor);
}

// mknod in the node's directory (made if missing, inside the root), then the mode
// (mknod's is cut by the umask) and owner set on what was made.
Result<void> make_node(int root_fd, const oci::Device& d) {
  auto slash = d.path.rfind('/');
  auto dir = MR_TRY_VALUE(make_in_root(root_fd, d.path.substr(0, slash), Leaf::directory));
  std::string name = d.path.substr(slash + 1);
  mode_t type = file_type(d.type);
  dev_t number = d.type == 'p' ? 0 : makedev(d.major, d.minor);
  if (::mknodat(dir.get(), name.c_str(), type | 0600, number) != 0) {
    if (errno != EEXIST) return fail(errno, "mknod " + d.path + " (" + describe(d) + ")");
    struct stat st{};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(errno, "stat " + d.path);
    if ((st.st_mode & S_IFMT) != type || (d.type != 'p' && st.st_rdev != number))
      return fail(EEXIST, d.path + " exists in the root filesystem and is not " + describe(d));
  }
  if (::fchmodat(dir.get(), name.c_str(), d.file_mode.value_or(0666), 0) != 0)
    return fail(errno, "chmod " + d.path);
  if (::fchownat(dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) != 0)
    return fail(errno, "chown " + d.path);
  return {};
}

// The host's node at the entry's path, if it is that device, bound onto an empty file.
// A FIFO needs no privilege and is made as outside a user namespace.
Result<void> bind_host_node(int root_fd, const oci::Device& d) {
  struct stat st{};
  if (::stat(d.path.c_str(), &st) != 0)
    return fail(errno, "bind the host's " + d.path + " (" + describe(d) + "): mknod is not allowed in a user namespace");
  dev_t number = makedev(d.major, d.minor);
  if ((st.st_mode & S_IFMT) != file_type(d.type) || st.st_rdev != number)
    return fail(EINVAL, "the host's " + d.path + " is not " + describe(d) +
                            ", and mknod is not allowed in a user namespace");
  auto target = MR_TRY_VALUE(make_in_root(root_fd, d.path, Leaf::file));
  if (::mount(d.path.c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) != 0)
    return fail(errno, "bind the host's " + d.path);
  return {};
}

}  // namespace

Result<void> make_devices(int root_fd, const std::vector<oci::Device>& devices, bool in_userns) {
  for (const auto& d : devices) {
    if (in_userns && d.type != 'p')
      MR_TRY_CTX(bind_host_node(root_fd, d), "linux.devices");
    else
      MR_TRY_CTX(make_node(root_fd, d), "linux.devices");
  }
  for (const char* host : kDefaultDevices) {
    bool given = std::any_of(devices.begin(), devices.end(), [host](const oci::Device& d) { return d.path == host; });
    if (given) continue;
    auto target = MR_TRY_VALUE(make_in_root(root_fd, host, Leaf::file));
    if (::mount(host, fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) != 0)
      return fail(errno, std::string("bind ") + host);
  }
  auto dev_dir = MR_TRY_VALUE(make_in_root(root_fd, "/dev", Leaf::directory));
  for (auto [name, target] : kDevLinks) {
    if (::symlinkat(target, dev_dir.get(), name) != 0 && errno != EEXIST)
      return fail(errno, std::string("create /dev/") + name);
  }
  return {};
}

}  // namespace mr::runtime
