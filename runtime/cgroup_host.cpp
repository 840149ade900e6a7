#include "runtime/cgroup_host.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>

#include "base/small_file.hpp"

namespace mr::runtime {

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

long fs_magic(const std::string& path) {
  struct statfs sf{};
  if (::statfs(path.c_str(), &sf) != 0) return 0;
  return static_cast<long>(sf.f_type);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

// The v1 controllers among a cgroup mount's super options ("rw,memory", "rw,name=systemd").
std::set<std::string> v1_controllers(const std::string& super_opts) {
  static const std::set<std::string> kKnown = {"cpu",     "cpuacct", "cpuset",  "memory",     "devices", "freezer",
                                               "net_cls", "net_prio", "blkio",  "perf_event", "hugetlb", "pids",
                                               "rdma",    "misc"};
  std::set<std::string> out;
  for (const auto& o : split(super_opts, ','))
    if (kKnown.contains(o) || o.starts_with("name=")) out.insert(o);
  return out;
}

// Whether `path` resolves to the filesystem of device `maj_min` ("0:35").
bool reaches_mount(const std::string& path, const std::string& maj_min) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return false;
  return maj_min == std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
}

// /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS".
// Only whole hierarchies mounted under /sys/fs/cgroup count (ROOT "/"): a container's
// own bind mounts of subtrees are not where cgroups are made.
Result<std::vector<Hierarchy>> mounted_hierarchies() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return fail(errno, "read /proc/self/mountinfo");
  std::vector<Hierarchy> out;
  std::string line;
  while (std::getline(in, line)) {
    auto fields = split(line, ' ');
    std::size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 >= fields.size()) continue;
    const std::string& fstype = fields[dash + 1];
    const std::string& mount = fields[4];
    // Seen from a cgroup namespace, a whole hierarchy's root reads "/.." (relative to the
    // namespace's root, cgroup_namespaces(7)).
    const std::string& root = fields[3];
    if ((fstype != "cgroup" && fstype != "cgroup2") || (root != "/" && !root.starts_with("/.."))) continue;
    if (mount != kCgroupRoot && !mount.starts_with(std::string(kCgroupRoot) + "/")) continue;
    // A hierarchy with another mount on top (cgroup2 mounted over a hybrid host's
    // /sys/fs/cgroup) is still listed, but its path now leads elsewhere: only one whose
    // path reaches its own filesystem counts.
    if (!reaches_mount(mount, fields[2])) continue;
    Hierarchy h{.mount = mount, .version = fstype == "cgroup2" ? 2 : 1};
    if (h.version == 2) {
      h.key = "unified";
      auto c = MR_TRY_VALUE(read_small_file(mount + "/cgroup.controllers"));
      std::string text = c.value_or("");
      if (text.ends_with('\n')) text.pop_back();
      for (const auto& name : split(text, ' '))
        if (!name.empty()) h.controllers.insert(name);
    } else {
      h.key = mount.substr(mount.rfind('/') + 1);
      h.controllers = v1_controllers(fields[dash + 3]);
    }
    out.push_back(std::move(h));
  }
  return out;
}

// /proc/self/cgroup: "ID:CONTROLLERS:PATH", "0::PATH" for v2.
Result<void> find_own_cgroups(std::vector<Hierarchy>& hs) {
  std::ifstream in("/proc/self/cgroup");
  if (!in) return fail(errno, "read /proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string ctls = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    std::set<std::string> set;
    for (const auto& c : split(ctls, ',')) set.insert(c);
    for (auto& h : hs) {
      if (h.version == 2 ? ctls.empty() : set == h.controllers) h.own = path;
    }
  }
  return {};
}

}  // namespace

const char* to_string(CgroupLayout l) {
  switch (l) {
    case CgroupLayout::unified: return "unified (cgroup v2)";
    case CgroupLayout::hybrid: return "hybrid (cgroup v1 controllers, v2 at /sys/fs/cgroup/unified)";
    case CgroupLayout::legacy: return "legacy (cgroup v1)";
  }
  return "unknown";
}

const Hierarchy* CgroupHost::holding(const std::string& controller) const {
  for (int version : {1, 2})
    for (const auto& h : hierarchies)
      if (h.version == version && h.controllers.contains(controller)) return &h;
  return nullptr;
}

const Hierarchy* CgroupHost::by_key(const std::string& key) const {
  for (const auto& h : hierarchies)
    if (h.key == key) return &h;
  return nullptr;
}

Result<CgroupHost> detect_cgroup_host() {
  CgroupHost host;
  long magic = fs_magic(kCgroupRoot);
  if (magic == CGROUP2_SUPER_MAGIC)
    host.layout = CgroupLayout::unified;
  else if (fs_magic(std::string(kCgroupRoot) + "/unified") == CGROUP2_SUPER_MAGIC)
    host.layout = CgroupLayout::hybrid;
  else if (magic == TMPFS_MAGIC)
    host.layout = CgroupLayout::legacy;
  else
    return fail(ENOTSUP, std::string(kCgroupRoot) + " is neither a cgroup2 nor a tmpfs of cgroup v1 hierarchies");
  host.hierarchies = MR_TRY_VALUE(mounted_hierarchies());
  MR_TRY(find_own_cgroups(host.hierarchies));
  for (const auto& h : host.hierarchies)
    if (h.own.empty()) return fail(ENOENT, "the runtime's cgroup in " + h.mount + " is not in /proc/self/cgroup");
  return host;
}

}  // namespace mr::runtime
