#include "runtime/user_namespace.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "oci/id_mappings.hpp"
#include "runtime/process_attrs.hpp"

namespace mr::runtime {

namespace {

Result<void> write_map(pid_t pid, const char* name, const std::string& text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + path);
  // map_write() takes the whole map in a single write, once.
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail(errno, "write " + path);
  return {};
}

}  // namespace

bool makes_user_namespace(const oci::Config& cfg) {
  return oci::has_namespace(cfg, "user") && !oci::joins_namespace(cfg, "user");
}

Result<void> write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uid, const std::vector<oci::IdMapping>& gid) {
  MR_TRY(write_map(pid, "gid_map", oci::id_map_text(gid)));
  MR_TRY(write_map(pid, "uid_map", oci::id_map_text(uid)));
  return {};
}

Result<void> write_id_maps(pid_t pid, const oci::Linux& linux) {
  return write_id_maps(pid, linux.uid_mappings, linux.gid_mappings);
}

Result<void> become_namespace_root() {
  // EPERM when a joined namespace has setgroups "deny": its groups then stay empty.
  if (::setgroups(0, nullptr) != 0 && errno != EPERM) return fail(errno, "drop the additional groups");
  if (::setresgid(0, 0, 0) != 0) return fail(errno, "become gid 0 of the user namespace");
  if (::setresuid(0, 0, 0) != 0) return fail(errno, "become uid 0 of the user namespace");
  return {};
}

Result<void> apply_host_privileged(const oci::Process& p) {
  for (const auto& rl : p.rlimits) {
    int res = MR_TRY_VALUE(rlimit_resource(rl.type));
    rlimit cur{};
    if (::getrlimit(res, &cur) != 0) return fail(errno, "get " + rl.type);
    if (rl.hard <= cur.rlim_max) continue;
    rlimit raised{.rlim_cur = cur.rlim_cur, .rlim_max = rl.hard};
    if (::setrlimit(res, &raised) != 0) return fail(errno, "raise the hard " + rl.type + " to " + std::to_string(rl.hard));
  }
  return apply_oom_score_adj(p);
}

HostIds container_root(const oci::Linux& linux) {
  return {.uid = oci::host_id_of(linux.uid_mappings, 0).value_or(0), .gid = oci::host_id_of(linux.gid_mappings, 0).value_or(0)};
}

}  // namespace mr::runtime
