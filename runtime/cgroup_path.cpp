#include "runtime/cgroup_path.hpp"

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <vector>

#include "runtime/state.hpp"

namespace mr::runtime {

std::string default_cgroup_name(const std::string& root, const std::string& id) {
  if (root == kDefaultRoot) return id;
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : root) hash = (hash ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return id + "-" + hex;
}

namespace {

Error path_error(std::string what) {
  Error e;
  e.file = "config.json";
  e.pointer = "/linux/cgroupsPath";
  e.context = std::move(what);
  return e;
}

// "a//b/./c/" -> "a/b/c"; ".." is refused rather than resolved: runc clamps it at the
// root (CleanPath), which would put the container where its config did not say.
Result<std::string> normalise(const std::string& p) {
  std::string out;
  std::istringstream in(p);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::unexpected(path_error("\"" + p + "\" has a \"..\" component"));
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

// systemd's unit_name_to_path for a slice: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice".
Result<std::string> expand_slice(const std::string& slice) {
  if (slice == "-.slice") return std::string();
  if (!slice.ends_with(".slice") || slice.find('/') != std::string::npos)
    return std::unexpected(path_error("\"" + slice + "\" is not a systemd slice name (NAME.slice)"));
  std::string name = slice.substr(0, slice.size() - 6);
  if (name.empty() || name.front() == '-' || name.back() == '-' || name.find("--") != std::string::npos)
    return std::unexpected(path_error("\"" + slice + "\" is not a valid systemd slice name"));
  std::string out, prefix;
  std::istringstream in(name);
  std::string part;
  while (std::getline(in, part, '-')) {
    prefix += (prefix.empty() ? "" : "-") + part;
    out += "/" + prefix + ".slice";
  }
  return out;
}

Result<CgroupPath> systemd_path(const std::string& spec, const std::string& id) {
  std::string text = spec.empty() ? "system.slice:mini-runc:" + id : spec;
  std::vector<std::string> parts;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ':')) parts.push_back(part);
  if (text.ends_with(':')) parts.push_back("");
  if (parts.size() != 3)
    return std::unexpected(path_error("\"" + spec + "\" is not slice:prefix:name, which --systemd-cgroup expects"));
  std::string slice = MR_TRY_VALUE(expand_slice(parts[0].empty() ? "system.slice" : parts[0]));
  const std::string& name = parts[2];
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return std::unexpected(path_error("\"" + spec + "\": the name must be a single non-empty component"));
  // runc's getUnitName: a name that is itself a slice is used as it is.
  std::string unit = name.ends_with(".slice") ? name : (parts[1].empty() ? name : parts[1] + "-" + name) + ".scope";
  if (unit.find('/') != std::string::npos || unit.find("..") != std::string::npos)
    return std::unexpected(path_error("\"" + spec + "\" would leave its slice"));
  return CgroupPath{.path = slice + "/" + unit, .relative = false};
}

}  // namespace

Result<CgroupDriver> cgroup_driver(bool systemd_cgroup, const std::string& cgroup_manager) {
  if (cgroup_manager == "disabled") return CgroupDriver::disabled;
  if (cgroup_manager == "systemd") return CgroupDriver::systemd;
  if (cgroup_manager == "cgroupfs") return CgroupDriver::cgroupfs;
  if (!cgroup_manager.empty()) return fail(EINVAL, "--cgroup-manager: expected cgroupfs, systemd or disabled");
  return systemd_cgroup ? CgroupDriver::systemd : CgroupDriver::cgroupfs;
}

Result<CgroupPath> resolve_cgroups_path(const std::string& cgroups_path, const std::string& id, CgroupDriver driver) {
  if (driver == CgroupDriver::systemd) return systemd_path(cgroups_path, id);
  if (cgroups_path.empty()) return CgroupPath{.path = id, .relative = true};
  std::string norm = MR_TRY_VALUE(normalise(cgroups_path));
  bool relative = !cgroups_path.starts_with('/');
  if (norm.empty())
    return std::unexpected(path_error("\"" + cgroups_path + "\" names the hierarchy's root (or the runtime's own cgroup)"));
  return CgroupPath{.path = relative ? norm : "/" + norm, .relative = relative};
}

std::string cgroup_dir(const Hierarchy& h, const CgroupPath& p) {
  if (!p.relative) return h.mount + p.path;
  std::string own = h.own == "/" ? "" : h.own;
  return h.mount + own + "/" + p.path;
}

}  // namespace mr::runtime
