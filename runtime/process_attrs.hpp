// The attributes config.json gives the container process, applied by its init: the
// parts that can fail on bad input (rlimits, oom score, sysctls, hostname) before
// `create` returns, the identity change (user, groups, capabilities) last, just
// before exec.
#pragma once

#include <map>
#include <string>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


Result<int> rlimit_resource(const std::string& name);  // "RLIMIT_NOFILE" -> RLIMIT_NOFILE
Result<void> apply_rlimits(const oci::Process& p);
Result<void> apply_oom_score_adj(const oci::Process& p);
// Writes each key to /proc/sys/<key with '.' as '/'>; /proc must be the container's.
Result<void> apply_sysctls(const std::map<std::string, std::string>& sysctl);
Result<void> apply_hostname(const std::string& hostname, const std::string& domainname);
// Bounding set, groups, gid, uid, capability sets, no_new_privs, umask, cwd.
Result<void> apply_identity(const oci::Process& p);

}  // namespace mr::runtime
