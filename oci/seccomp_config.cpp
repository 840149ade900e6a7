#include "oci/seccomp_config.hpp"

#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "oci/json_input.hpp"

namespace mr::oci {

using nlohmann::json;

namespace {

constexpr std::pair<std::string_view, SeccompAction> kActions[] = {
    {"SCMP_ACT_KILL", SeccompAction::kill_thread},  // libseccomp: SCMP_ACT_KILL is KILL_THREAD
    {"SCMP_ACT_KILL_THREAD", SeccompAction::kill_thread},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::kill_process},
    {"SCMP_ACT_TRAP", SeccompAction::trap},
    {"SCMP_ACT_ERRNO", SeccompAction::errno_ret},
    {"SCMP_ACT_TRACE", SeccompAction::trace},
    {"SCMP_ACT_ALLOW", SeccompAction::allow},
    {"SCMP_ACT_LOG", SeccompAction::log},
    {"SCMP_ACT_NOTIFY", SeccompAction::notify},
};

constexpr std::pair<std::string_view, SeccompOp> kOps[] = {
    {"SCMP_CMP_NE", SeccompOp::ne}, {"SCMP_CMP_LT", SeccompOp::lt}, {"SCMP_CMP_LE", SeccompOp::le},
    {"SCMP_CMP_EQ", SeccompOp::eq}, {"SCMP_CMP_GE", SeccompOp::ge}, {"SCMP_CMP_GT", SeccompOp::gt},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::masked_eq},
};

// The architectures of runtime-spec 1.2 (defs-linux.json, SeccompArch) plus the newer
// ones Docker's profiles name; each must also be known to the linked libseccomp.
constexpr std::string_view kArches[] = {
    "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",      "SCMP_ARCH_SH",        "SCMP_ARCH_SHEB",
};

// Syscall-name policy. libseccomp resolves names from its own tables, so the one
// linked (Debian 12: 2.5.4) does not know syscalls added to Linux after it, and real
// profiles name them: Docker's default lists statmount, listmount, mseal, uretprobe,
// setxattrat ... A name that neither libseccomp nor this list knows is refused with
// its pointer (a typo must not silently drop a rule). A name on this list that
// libseccomp cannot resolve is accepted and skipped when the filter is built, as runc
// does with every unknown name: the filter then treats that syscall by its default
// action (Docker's and podman's: an errno), which is what a kernel or libseccomp that
// lacks the syscall gives anyway. crun refuses unknown names only when asked to
// (its fail-unknown-syscall option); this list keeps both guarantees without a flag.
// From the kernel's syscall tables (arch/*/entry/syscalls/*.tbl) up to Linux 6.18.
constexpr std::string_view kNewerSyscalls[] = {
    "cachestat",        "fchmodat2",         "file_getattr",      "file_setattr",
    "futex_requeue",    "futex_wait",        "futex_waitv",       "futex_wake",
    "getxattrat",       "listmount",         "listxattrat",       "lsm_get_self_attr",
    "lsm_list_modules", "lsm_set_self_attr", "map_shadow_stack",  "memfd_secret",
    "mseal",            "open_tree_attr",    "process_mrelease",  "quotactl_fd",
    "removexattrat",    "riscv_flush_icache", "riscv_hwprobe",    "set_mempolicy_home_node",
    "setxattrat",       "statmount",         "uprobe",            "uretprobe",
};

constexpr std::string_view kFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

constexpr int kMaxSyscallArgs = 6;  // seccomp_data.args[6]

bool known_syscall(const std::string& name) {
  return seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR || is_newer_syscall(name);
}

bool takes_errno(SeccompAction a) { return a == SeccompAction::errno_ret || a == SeccompAction::trace; }

class SeccompReader {
 public:
  explicit SeccompReader(std::vector<SeccompProblem>& problems) : problems_(problems) {}

  Seccomp read(const json& j) {
    Seccomp s;
    const std::string base = "/linux/seccomp";
    s.default_action = action(j.at("defaultAction"), base + "/defaultAction");
    if (j.contains("defaultErrnoRet")) {
      s.default_errno_ret = j.at("defaultErrnoRet").get<uint32_t>();
      if (!takes_errno(s.default_action))
        problem(base + "/defaultErrnoRet", "expected only with defaultAction SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    }
    if (s.default_action == SeccompAction::notify)
      problem(base + "/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action (the runtime's own syscalls would wait on the listener)");
    if (j.contains("architectures")) {
      s.architectures = j.at("architectures").get<std::vector<std::string>>();
      for (size_t i = 0; i < s.architectures.size(); ++i) {
        std::string ptr = pointer_append(base + "/architectures", i);
        auto lib = seccomp_arch_name(s.architectures[i]);
        if (!lib)
          problem(ptr, "unknown architecture \"" + one_line(s.architectures[i]) + "\"");
        else if (seccomp_arch_resolve_name(lib->c_str()) == 0)
          problem(ptr, "architecture " + s.architectures[i] + " is not known to libseccomp " + version());
      }
    }
    if (j.contains("flags")) {
      s.flags = j.at("flags").get<std::vector<std::string>>();
      for (size_t i = 0; i < s.flags.size(); ++i) {
        std::string ptr = pointer_append(base + "/flags", i);
        const std::string& f = s.flags[i];
        if (std::find(std::begin(kFlags), std::end(kFlags), f) == std::end(kFlags))
          problem(ptr, "unknown seccomp flag \"" + one_line(f) + "\"");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
        else if (f == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
          problem(ptr, f + " needs libseccomp 2.6 or later (mini-runc is built with " + version() + ")");
#endif
      }
    }
    s.listener_path = j.value("listenerPath", "");
    s.listener_metadata = j.value("listenerMetadata", "");
    if (j.contains("syscalls"))
      for (size_t i = 0; i < j.at("syscalls").size(); ++i)
        s.syscalls.push_back(syscall(j.at("syscalls")[i], pointer_append(base + "/syscalls", i), s));
    return s;
  }

 private:
  void problem(std::string pointer, std::string what) { problems_.push_back({std::move(pointer), std::move(what)}); }

  static std::string version() {
    return std::to_string(SCMP_VER_MAJOR) + "." + std::to_string(SCMP_VER_MINOR) + "." + std::to_string(SCMP_VER_MICRO);
  }

  SeccompAction action(const json& v, const std::string& ptr) {
    auto name = v.get<std::string>();
    auto a = seccomp_action(name);
    if (!a) {
      problem(ptr, "unknown seccomp action \"" + one_line(name) + "\"");
      return SeccompAction::allow;
    }
    return *a;
  }

  SeccompSyscall syscall(const json& j, const std::string& ptr, const Seccomp& s) {
    SeccompSyscall sc;
    sc.names = j.at("names").get<std::vector<std::string>>();
    if (sc.names.empty()) problem(ptr + "/names", "expected at least one syscall name");
    for (size_t i = 0; i < sc.names.size(); ++i)
      if (!known_syscall(sc.names[i]))
        problem(pointer_append(ptr + "/names", i), "unknown syscall \"" + one_line(sc.names[i]) + "\"");
    sc.action = action(j.at("action"), ptr + "/action");
    if (j.contains("errnoRet")) {
      sc.errno_ret = j.at("errnoRet").get<uint32_t>();
      if (!takes_errno(sc.action))
        problem(ptr + "/errnoRet", "expected only with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    }
    if (sc.action == SeccompAction::notify) {
      if (s.listener_path.empty())
        problem(ptr + "/action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the listener to hand the notifications to");
      // The process under the new filter passes its fd to the runtime with these (and
      // runc refuses write): notified, they would wait for a listener that has no fd yet.
      for (size_t i = 0; i < sc.names.size(); ++i)
        if (std::string_view n = sc.names[i]; n == "write" || n == "sendmsg" || n == "recvmsg" || n == "recvfrom")
          problem(pointer_append(ptr + "/names", i),
                  "SCMP_ACT_NOTIFY cannot apply to " + sc.names[i] + " (the process hands its notify fd over with it)");
    }
    if (j.contains("args")) {
      for (size_t i = 0; i < j.at("args").size(); ++i) {
        const json& a = j.at("args")[i];
        std::string aptr = pointer_append(ptr + "/args", i);
        SeccompArg arg;
        arg.index = a.at("index").get<uint32_t>();
        if (arg.index >= kMaxSyscallArgs)
          problem(aptr + "/index", "expected an argument index from 0 to 5 (got " + std::to_string(arg.index) + ")");
        arg.value = a.at("value").get<uint64_t>();
        arg.value_two = a.value("valueTwo", uint64_t{0});
        auto opname = a.at("op").get<std::string>();
        if (auto op = seccomp_op(opname))
          arg.op = *op;
        else
          problem(aptr + "/op", "unknown seccomp operator \"" + one_line(opname) + "\"");
        sc.args.push_back(arg);
      }
    }
    return sc;
  }

  std::vector<SeccompProblem>& problems_;
};

}  // namespace

std::optional<SeccompAction> seccomp_action(std::string_view name) {
  for (auto [n, a] : kActions)
    if (n == name) return a;
  return std::nullopt;
}

std::optional<SeccompOp> seccomp_op(std::string_view name) {
  for (auto [n, o] : kOps)
    if (n == name) return o;
  return std::nullopt;
}

std::optional<std::string> seccomp_arch_name(std::string_view spec_name) {
  if (std::find(std::begin(kArches), std::end(kArches), spec_name) == std::end(kArches)) return std::nullopt;
  std::string lib(spec_name.substr(std::string_view("SCMP_ARCH_").size()));
  for (char& c : lib) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lib;
}

bool is_newer_syscall(std::string_view name) {
  return std::find(std::begin(kNewerSyscalls), std::end(kNewerSyscalls), name) != std::end(kNewerSyscalls);
}

Seccomp read_seccomp(const json& j, std::vector<SeccompProblem>& problems) {
  return SeccompReader(problems).read(j);
}

}  // namespace mr::oci
