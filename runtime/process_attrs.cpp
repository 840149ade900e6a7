#include "runtime/process_attrs.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "base/unique_fd.hpp"
#include "runtime/capabilities.hpp"

namespace mr::runtime {

namespace {

constexpr std::pair<const char*, int> kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

Result<void> write_proc_file(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + path);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    return fail(errno, "write \"" + value + "\" to " + path);
  return {};
}

}  // namespace

Result<int> rlimit_resource(const std::string& name) {
  for (auto [n, r] : kRlimits)
    if (name == n) return r;
  return fail(EINVAL, "unknown rlimit \"" + name + "\"");
}

Result<void> apply_rlimits(const oci::Process& p) {
  for (const auto& rl : p.rlimits) {
    int res = MR_TRY_VALUE(rlimit_resource(rl.type));
    rlimit want{.rlim_cur = rl.soft, .rlim_max = rl.hard};
    if (::setrlimit(res, &want) == 0) continue;
    int err = errno;
    std::string what = "set " + rl.type + " to soft " + std::to_string(rl.soft) + ", hard " + std::to_string(rl.hard);
    rlimit cur{};
    if (err == EPERM && ::getrlimit(res, &cur) == 0)
      what += " (the current hard limit is " + std::to_string(cur.rlim_max) +
              "; raising it needs CAP_SYS_RESOURCE, which mini-runc does not have here)";
    if (err == EINVAL && rl.soft > rl.hard) what += " (soft is above hard)";
    return fail(err, what);
  }
  return {};
}

Result<void> apply_oom_score_adj(const oci::Process& p) {
  if (!p.oom_score_adj) return {};
  return write_proc_file("/proc/self/oom_score_adj", std::to_string(*p.oom_score_adj));
}

Result<void> apply_sysctls(const std::map<std::string, std::string>& sysctl) {
  for (const auto& [key, value] : sysctl) {
    if (key.empty() || key.find("..") != std::string::npos || key.find('/') != std::string::npos)
      return fail(EINVAL, "invalid sysctl name \"" + key + "\"");
    std::string path = "/proc/sys/" + key;
    for (std::size_t i = 10; i < path.size(); ++i)
      if (path[i] == '.') path[i] = '/';
    MR_TRY_CTX(write_proc_file(path, value), "sysctl " + key);
  }
  return {};
}

Result<void> apply_hostname(const std::string& hostname, const std::string& domainname) {
  if (!hostname.empty() && ::sethostname(hostname.data(), hostname.size()) != 0)
    return fail(errno, "set hostname \"" + hostname + "\"");
  if (!domainname.empty() && ::setdomainname(domainname.data(), domainname.size()) != 0)
    return fail(errno, "set domainname \"" + domainname + "\"");
  return {};
}

Result<void> apply_identity(const oci::Process& p) {
  if (p.capabilities) MR_TRY(apply_bounding_set(*p.capabilities));
  // Keeps the permitted set across setuid() away from 0, so that the configured sets
  // can still be installed afterwards (capabilities(7), "Effect of user ID changes").
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail(errno, "prctl(PR_SET_KEEPCAPS)");
  std::vector<gid_t> groups(p.user.additional_gids.begin(), p.user.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return fail(errno, "set additional groups");
  if (::setresgid(p.user.gid, p.user.gid, p.user.gid) != 0)
    return fail(errno, "set gid " + std::to_string(p.user.gid));
  if (::setresuid(p.user.uid, p.user.uid, p.user.uid) != 0)
    return fail(errno, "set uid " + std::to_string(p.user.uid));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return fail(errno, "prctl(PR_SET_KEEPCAPS)");
  if (p.capabilities) MR_TRY(apply_capability_sets(*p.capabilities));
  if (p.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  ::umask(p.user.umask.value_or(022));
  if (::chdir(p.cwd.c_str()) != 0) return fail(errno, "chdir to cwd " + p.cwd);
  return {};
}

}  // namespace mr::runtime
