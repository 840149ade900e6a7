#include "runtime/seccomp_filter.hpp"

#include <cerrno>
#include <string>
#include <vector>

#include "runtime/process_attrs.hpp"

namespace mr::runtime {

namespace {

uint32_t action_value(oci::SeccompAction a, std::optional<uint32_t> errno_ret) {
  using A = oci::SeccompAction;
  switch (a) {
    case A::kill_thread: return SCMP_ACT_KILL_THREAD;
    case A::kill_process: return SCMP_ACT_KILL_PROCESS;
    case A::trap: return SCMP_ACT_TRAP;
    case A::errno_ret: return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
    case A::trace: return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    case A::allow: return SCMP_ACT_ALLOW;
    case A::log: return SCMP_ACT_LOG;
    case A::notify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare op_value(oci::SeccompOp op) {
  using O = oci::SeccompOp;
  switch (op) {
    case O::ne: return SCMP_CMP_NE;
    case O::lt: return SCMP_CMP_LT;
    case O::le: return SCMP_CMP_LE;
    case O::eq: return SCMP_CMP_EQ;
    case O::ge: return SCMP_CMP_GE;
    case O::gt: return SCMP_CMP_GT;
    case O::masked_eq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

Result<void> set_flag(scmp_filter_ctx ctx, const std::string& flag) {
  scmp_filter_attr attr;
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC")
    attr = SCMP_FLTATR_CTL_TSYNC;
  else if (flag == "SECCOMP_FILTER_FLAG_LOG")
    attr = SCMP_FLTATR_CTL_LOG;
  else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
    attr = SCMP_FLTATR_CTL_SSB;
  else
    return fail(EINVAL, "seccomp flag " + flag + " is not supported by libseccomp");
  if (int rc = seccomp_attr_set(ctx, attr, 1); rc != 0) return fail(-rc, "seccomp flag " + flag);
  return {};
}

// libseccomp refuses two comparisons of the same argument in one rule; runc then adds
// one rule per comparison (any of them matching applies the action), and one rule with
// every comparison (all must match) otherwise. So does this.
bool repeats_an_index(const std::vector<oci::SeccompArg>& args) {
  for (size_t i = 0; i < args.size(); ++i)
    for (size_t j = i + 1; j < args.size(); ++j)
      if (args[i].index == args[j].index) return true;
  return false;
}

Result<void> add_rule(scmp_filter_ctx ctx, uint32_t action, const oci::SeccompSyscall& sc, const std::string& name) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) return {};  // newer than libseccomp: see oci/seccomp_config.cpp
  std::vector<scmp_arg_cmp> cmps;
  for (const auto& a : sc.args) cmps.push_back({a.index, op_value(a.op), a.value, a.value_two});
  auto add = [&](unsigned n, const scmp_arg_cmp* c) -> Result<void> {
    if (int rc = seccomp_rule_add_array(ctx, action, nr, n, c); rc != 0)
      return fail(-rc, "seccomp rule for syscall " + name);
    return {};
  };
  if (cmps.empty() || !repeats_an_index(sc.args)) return add(static_cast<unsigned>(cmps.size()), cmps.data());
  for (const auto& c : cmps) MR_TRY(add(1, &c));
  return {};
}

}  // namespace

Result<SeccompFilter> build_seccomp_filter(const oci::Seccomp& s) {
  uint32_t def = action_value(s.default_action, s.default_errno_ret);
  SeccompFilter f(seccomp_init(def));
  if (!f.get()) return fail(ENOMEM, "seccomp_init");
  // libseccomp sets no_new_privs on load unless told not to; noNewPrivileges decides.
  if (int rc = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0); rc != 0) return fail(-rc, "seccomp: keep no_new_privs off");
  for (const auto& arch : s.architectures) {
    auto lib = oci::seccomp_arch_name(arch);
    uint32_t token = lib ? seccomp_arch_resolve_name(lib->c_str()) : 0;
    if (token == 0) return fail(EINVAL, "seccomp architecture " + arch + " is not known to libseccomp");
    int rc = seccomp_arch_add(f.get(), token);
    if (rc != 0 && rc != -EEXIST) return fail(-rc, "seccomp architecture " + arch);
  }
  for (const auto& flag : s.flags) MR_TRY(set_flag(f.get(), flag));
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const auto& sc = s.syscalls[i];
    uint32_t action = action_value(sc.action, sc.errno_ret);
    // libseccomp refuses a rule whose action is the default one (it changes nothing).
    if (action == def) continue;
    for (const auto& name : sc.names)
      MR_TRY_CTX(add_rule(f.get(), action, sc, name), "linux.seccomp.syscalls[" + std::to_string(i) + "]");
  }
  return f;
}

Result<void> load_seccomp_filter(const SeccompFilter& f) {
  if (int rc = seccomp_load(f.get()); rc != 0) return fail(-rc, "load the seccomp filter");
  return {};
}

Result<void> load_seccomp(const oci::Seccomp& s) {
  auto f = MR_TRY_VALUE(build_seccomp_filter(s));
  return load_seccomp_filter(f);
}

bool has_notify_rules(const oci::Seccomp& s) {
  for (const auto& sc : s.syscalls)
    if (sc.action == oci::SeccompAction::notify) return true;
  return false;
}

Result<UniqueFd> take_notify_fd(const SeccompFilter& f) {
  // The kernel made it O_CLOEXEC (init_listener()); libseccomp only remembers its number.
  int fd = seccomp_notify_fd(f.get());
  if (fd < 0) return fail(fd < -1 ? -fd : EBADF, "the seccomp notify fd of the loaded filter");
  return UniqueFd(fd);
}

Result<void> apply_identity_and_seccomp(const oci::Process& p, const SeccompFilter* filter) {
  if (filter && !p.no_new_privileges) MR_TRY(load_seccomp_filter(*filter));
  MR_TRY(apply_identity(p));
  if (filter && p.no_new_privileges) MR_TRY(load_seccomp_filter(*filter));
  return {};
}

}  // namespace mr::runtime
