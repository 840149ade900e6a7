#include "runtime/cgroup_manager.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <charconv>
#include <sstream>
#include <thread>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kEmptyTimeout = std::chrono::seconds(10);


std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// v2: a child may use only the controllers its parent lists in cgroup.subtree_control.
void enable_controllers(const std::string& dir) {
  auto available = read_cgroup_file(dir, "cgroup.controllers");
  if (!available) return;
  std::istringstream in(*available);
  std::string ctl;
  // One at a time: one the kernel refuses (EBUSY for a parent with processes of its own,
  // the "no internal processes" rule) must not keep the others off.
  while (in >> ctl) (void)write_cgroup_file(dir, "cgroup.subtree_control", "+" + ctl);
}

// The directories from the hierarchy's mount down to `dir`, top first (the mount itself
// not included).
std::vector<std::string> dirs_down_to(const Hierarchy& h, const std::string& dir) {
  std::vector<std::string> out;
  std::string cur = h.mount;
  std::istringstream parts(dir.substr(h.mount.size()));
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    cur += "/" + part;
    out.push_back(cur);
  }
  return out;
}

Result<void> make_dir(const Hierarchy& h, const std::string& dir, std::vector<std::string>& made) {
  std::string parent = h.mount;
  for (const std::string& cur : dirs_down_to(h, dir)) {
    if (h.version == 2) enable_controllers(parent);
    if (::mkdir(cur.c_str(), 0755) == 0) {
      made.insert(made.begin(), cur);
      if (h.controllers.contains("cpuset") && h.version == 1) {
        for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
          auto mine = MR_TRY_VALUE(read_cgroup_file(cur, f));
          if (!trimmed(mine).empty()) continue;
          auto theirs = MR_TRY_VALUE(read_cgroup_file(parent, f));
          MR_TRY(write_cgroup_file(cur, f, trimmed(theirs)));
        }
      }
    } else if (errno != EEXIST) {
      return fail(errno, "create cgroup " + cur);
    }
    parent = cur;
  }
  return {};
}

bool v2_populated(const std::string& dir) {
  auto events = read_cgroup_file(dir, "cgroup.events");
  return !events || events->find("populated 0") == std::string::npos;
}

// Waits for "populated 0": the kernel notifies a change of cgroup.events as POLLPRI
// (cgroups(7), "Cgroups v2 cgroup.events file").
void wait_v2_empty(const std::string& dir) {
  UniqueFd fd(::open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return;
  auto deadline = Clock::now() + kEmptyTimeout;
  while (v2_populated(dir) && Clock::now() < deadline) {
    pollfd p{.fd = fd.get(), .events = POLLPRI};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 0))) < 0 && errno != EINTR) return;
  }
}

// v1 has no notification but the release agent: cgroup.procs is read until empty.
void wait_v1_empty(const std::string& dir) {
  auto deadline = Clock::now() + kEmptyTimeout;
  while (Clock::now() < deadline) {
    auto procs = read_cgroup_file(dir, "cgroup.procs");
    if (!procs || trimmed(*procs).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::string ContainerCgroups::dir(const std::string& key) const {
  auto it = paths.find(key);
  return it == paths.end() ? std::string() : it->second;
}

Result<std::string> read_cgroup_file(const std::string& dir, const std::string& file) {
  std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + path);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "read " + path);
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<void> write_cgroup_file(const std::string& dir, const std::string& file, const std::string& value) {
  std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + path);
  // One write(2) per value: a cgroup file takes a value per write.
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    return fail(errno, "write \"" + value + "\" to " + path);
  return {};
}

ContainerCgroups cgroups_to_make(const CgroupHost& host, const CgroupPath& path) {
  ContainerCgroups cg;
  for (const auto& h : host.hierarchies) {
    std::string dir = cgroup_dir(h, path);
    cg.paths[h.key] = dir;
    for (const std::string& d : dirs_down_to(h, dir))
      if (struct stat st{}; ::stat(d.c_str(), &st) != 0 && errno == ENOENT) cg.made.insert(cg.made.begin(), d);
  }
  return cg;
}

Result<ContainerCgroups> make_cgroups(const CgroupHost& host, const CgroupPath& path) {
  ContainerCgroups cg;
  for (const auto& h : host.hierarchies) {
    std::string dir = cgroup_dir(h, path);
    cg.paths[h.key] = dir;
    if (auto r = make_dir(h, dir, cg.made); !r) {
      (void)remove_cgroups(cg);
      return std::unexpected(std::move(r).error());
    }
    // A cgroup that was there already may be another container's (two --root with one
    // id and no cgroupsPath, or the same cgroupsPath given twice): joining it would let
    // either one's delete kill the other's processes. runc refuses it too.
    bool made_here = std::find(cg.made.begin(), cg.made.end(), dir) != cg.made.end();
    if (!made_here) {
      auto procs = read_cgroup_file(dir, "cgroup.procs");
      if (procs && !trimmed(*procs).empty()) {
        (void)remove_cgroups(cg);
        return fail(EBUSY, "cgroup " + dir + " already holds processes (another container's?): give this container "
                                            "a linux.cgroupsPath of its own");
      }
    }
  }
  return cg;
}

Result<void> delegate_cgroup(const ContainerCgroups& cg, uid_t uid, gid_t gid) {
  std::string dir = cg.dir("unified");
  if (dir.empty()) return {};
  // /sys/kernel/cgroup/delegate is in Linux 4.15 and later; before, runc's own list.
  std::string names = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
  if (auto listed = read_cgroup_file("/sys/kernel/cgroup", "delegate")) names = *listed;
  if (::chown(dir.c_str(), uid, gid) != 0) return fail(errno, "chown " + dir);
  std::istringstream lines(names);
  for (std::string name; std::getline(lines, name);) {
    if (name.empty()) continue;
    std::string path = dir + "/" + name;
    if (::chown(path.c_str(), uid, gid) != 0 && errno != ENOENT) return fail(errno, "chown " + path);
  }
  return {};
}

Result<void> apply_plan(const ContainerCgroups& cg, const ResourcePlan& plan) {
  for (const auto& w : plan.writes) {
    std::string dir = cg.dir(w.hierarchy);
    // "a|b": the first file this kernel has (blkio.bfq.weight with BFQ, else blkio.weight).
    std::string file;
    std::istringstream alts(w.file);
    for (std::string alt; std::getline(alts, alt, '|');) {
      if (::access((dir + "/" + alt).c_str(), F_OK) == 0) {
        file = alt;
        break;
      }
    }
    if (file.empty()) {
      std::string name = w.file.substr(w.file.rfind('|') + 1);
      return std::unexpected(resource_error(w.pointer, "this host's cgroup " + dir + " has no " + name +
                                                           " file, so the limit cannot be enforced"));
    }
    if (auto r = write_cgroup_file(dir, file, w.value); !r) {
      Error e = std::move(r).error();
      e.file = "config.json";
      e.pointer = w.pointer;
      return std::unexpected(std::move(e));
    }
  }
  return {};
}

Result<void> add_process(const ContainerCgroups& cg, pid_t pid) {
  for (const auto& [key, dir] : cg.paths) MR_TRY(write_cgroup_file(dir, "cgroup.procs", std::to_string(pid)));
  return {};
}

Result<std::vector<pid_t>> cgroup_pids(const ContainerCgroups& cg) {
  if (cg.paths.empty()) return fail(ENOENT, "the container has no cgroup");
  // Every hierarchy has the same processes; pids or freezer if there, else any.
  std::string dir = cg.dir("pids");
  if (dir.empty()) dir = cg.dir("unified");
  if (dir.empty()) dir = cg.paths.begin()->second;
  std::string text = MR_TRY_VALUE(read_cgroup_file(dir, "cgroup.procs"));
  std::vector<pid_t> pids;
  std::istringstream in(text);
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

Result<void> remove_abandoned_cgroups(const ContainerCgroups& cg) {
  // Its processes are the abandoned create's only where every directory was made by it
  // (an existing one it would have joined only when empty).
  bool all_made = !cg.paths.empty();
  for (const auto& [key, leaf] : cg.paths)
    all_made = all_made && std::find(cg.made.begin(), cg.made.end(), leaf) != cg.made.end();
  if (all_made && std::all_of(cg.paths.begin(), cg.paths.end(), [](const auto& p) {
        struct stat st{};
        return ::stat(p.second.c_str(), &st) == 0;
      }))
    MR_TRY(signal_cgroup_members(cg, SIGKILL, 0));
  return remove_cgroups(cg);
}

Result<void> signal_cgroup_members(const ContainerCgroups& cg, int sig, pid_t except) {
  auto pids = MR_TRY_VALUE(cgroup_pids(cg));
  for (pid_t pid : pids) {
    if (pid == except) continue;
    // A pid read from cgroup.procs may end and be reused before the pidfd is opened;
    // checked again through the pidfd's /proc entry being in the same cgroup.
    auto fd = pidfd_open(pid);
    if (!fd) continue;
    auto again = cgroup_pids(cg);
    if (again && std::find(again->begin(), again->end(), pid) != again->end()) (void)pidfd_send_signal(fd->get(), sig);
  }
  return {};
}

Result<void> remove_cgroups(const ContainerCgroups& cg) {
  Result<void> out;
  for (const auto& dir : cg.made) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) continue;
    bool leaf = false;
    for (const auto& [key, d] : cg.paths) leaf = leaf || d == dir;
    if (leaf && ::access((dir + "/cgroup.events").c_str(), F_OK) == 0)
      wait_v2_empty(dir);
    else if (leaf)
      wait_v1_empty(dir);
    // A parent made for this container may hold another's by now: it stays.
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && (leaf || (errno != EBUSY && errno != ENOTEMPTY)) && out)
      out = fail(errno, "remove cgroup " + dir);
  }
  return out;
}

}  // namespace mr::runtime
