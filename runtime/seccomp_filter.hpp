// linux.seccomp as a libseccomp filter: built while errors can still reach `create`,
// loaded as late as possible before execve. Usable from any process about to exec a
// container process (the init, or a process joining a running container).
#pragma once

#include <seccomp.h>

#include <utility>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

// Owns a libseccomp filter context (seccomp_release()).
class SeccompFilter {
 public:
  explicit SeccompFilter(scmp_filter_ctx ctx) noexcept : ctx_(ctx) {}
  SeccompFilter(SeccompFilter&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  SeccompFilter& operator=(SeccompFilter&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  ~SeccompFilter() {
    if (ctx_) seccomp_release(ctx_);
  }
  scmp_filter_ctx get() const noexcept { return ctx_; }

 private:
  scmp_filter_ctx ctx_ = nullptr;
};

// The filter `s` describes, not loaded. Rules for syscalls newer than libseccomp
// (oci::is_newer_syscall) are skipped; so are rules whose action is the default one.
Result<SeccompFilter> build_seccomp_filter(const oci::Seccomp& s);

// Installs `f` on the calling process (seccomp(2), SECCOMP_SET_MODE_FILTER). Without
// no_new_privs this needs CAP_SYS_ADMIN; libseccomp's own setting of no_new_privs is
// turned off, so the config alone decides it.
Result<void> load_seccomp_filter(const SeccompFilter& f);

// Whether a rule of `s` hands its syscalls to a listener (SCMP_ACT_NOTIFY).
bool has_notify_rules(const oci::Seccomp& s);

// The listener fd the kernel gave when `f` (with SCMP_ACT_NOTIFY rules) was loaded:
// the caller's to send to linux.seccomp.listenerPath (runtime/seccomp_listener.hpp).
Result<UniqueFd> take_notify_fd(const SeccompFilter& f);

// build_seccomp_filter + load_seccomp_filter.
Result<void> load_seccomp(const oci::Seccomp& s);

// The process's identity (apply_identity) and the filter, in runc's order: with
// noNewPrivileges the filter comes after everything, just before execve, so that it
// filters as little of the runtime's own work as possible; without, it must come
// before the identity change drops CAP_SYS_ADMIN, which loading it then needs.
Result<void> apply_identity_and_seccomp(const oci::Process& p, const SeccompFilter* filter);

}  // namespace mr::runtime
