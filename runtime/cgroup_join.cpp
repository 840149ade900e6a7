#include "runtime/cgroup_join.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace mr::runtime {

namespace {

struct CgroupMount {
  bool v2 = false;
  std::set<std::string> options;  // super options: the controllers, "name=systemd", ...
  std::string root;               // the cgroup mounted there ("/" for a whole hierarchy)
  std::string mountpoint;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

// mountinfo escapes blanks and backslashes as octal (\040); cgroup mount points rarely
// have any, but a path with one must still be right.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// proc_pid_mountinfo(5): "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS".
Result<std::vector<CgroupMount>> cgroup_mounts() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return fail(errno, "open /proc/self/mountinfo");
  std::vector<CgroupMount> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) continue;
    const std::string& type = *(dash + 1);
    if (type != "cgroup" && type != "cgroup2") continue;
    CgroupMount m{.v2 = type == "cgroup2", .root = unescape(fields[3]), .mountpoint = unescape(fields[4])};
    for (auto& o : split(*(dash + 3), ',')) m.options.insert(o);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> cgroup_procs_files(pid_t pid) {
  std::string file = "/proc/" + std::to_string(pid) + "/cgroup";
  std::ifstream in(file);
  if (!in) return fail(errno, "open " + file);
  auto mounts = MR_TRY_VALUE(cgroup_mounts());
  std::vector<std::string> out;
  // cgroups(7): "hierarchy-ID:controller-list:cgroup-path"; the v2 line is "0::PATH".
  for (std::string line; std::getline(in, line);) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    bool v2 = controllers.empty();
    auto wanted = split(controllers, ',');
    // A mount of a sub-cgroup (ROOT not "/") serves only the cgroups below it.
    auto serves = [&](const CgroupMount& m) {
      if (m.v2 != v2) return false;
      if (!v2 && !std::all_of(wanted.begin(), wanted.end(), [&](const std::string& c) { return m.options.count(c) > 0; }))
        return false;
      return m.root == "/" || path == m.root || path.starts_with(m.root + "/");
    };
    auto it = std::find_if(mounts.begin(), mounts.end(), serves);
    if (it == mounts.end()) {
      log_debug("cgroup hierarchy \"" + controllers + "\" of " + file + " is mounted nowhere here; not joined");
      continue;
    }
    std::string rel = it->root == "/" ? path : path.substr(it->root.size());
    std::string dir = it->mountpoint + (rel == "/" ? "" : rel);
    out.push_back(dir + "/cgroup.procs");
  }
  return out;
}

Result<void> join_cgroups(const std::vector<std::string>& procs, pid_t pid) {
  std::string text = std::to_string(pid);
  for (const auto& file : procs) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail(errno, "open " + file);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return fail(errno, "move process " + text + " to " + file);
  }
  return {};
}

}  // namespace mr::runtime
