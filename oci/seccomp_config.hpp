// linux.seccomp of config.json as plain structures, and the checks that need no kernel:
// action, operator, architecture and flag names, argument indexes, syscall names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mr::oci {

enum class SeccompAction { kill_thread, kill_process, trap, errno_ret, trace, allow, log, notify };
enum class SeccompOp { ne, lt, le, eq, ge, gt, masked_eq };

struct SeccompArg {
  uint32_t index = 0;  // 0..5, the syscall's argument
  uint64_t value = 0;
  uint64_t value_two = 0;  // the mask's comparand for masked_eq
  SeccompOp op = SeccompOp::eq;
};

struct SeccompSyscall {
  // As written. A name newer than the linked libseccomp (is_newer_syscall()) stays
  // here and is skipped when the filter is built.
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::allow;
  std::optional<uint32_t> errno_ret;  // ERRNO and TRACE only; EPERM when absent
  std::vector<SeccompArg> args;
};

struct Seccomp {
  SeccompAction default_action = SeccompAction::allow;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // "SCMP_ARCH_X86_64", ...
  std::vector<std::string> flags;          // "SECCOMP_FILTER_FLAG_LOG", ...
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;
};

struct SeccompProblem {
  std::string pointer;  // into the whole config, "/linux/seccomp/syscalls/3/names/1"
  std::string what;
};

// Reads linux.seccomp (`j`), appending every problem found to `problems`. A value of the
// wrong JSON type throws nlohmann::json::exception (the schema has reported it).
Seccomp read_seccomp(const nlohmann::json& j, std::vector<SeccompProblem>& problems);

std::optional<SeccompAction> seccomp_action(std::string_view name);  // "SCMP_ACT_ERRNO"
std::optional<SeccompOp> seccomp_op(std::string_view name);          // "SCMP_CMP_EQ"
// "SCMP_ARCH_X86_64" -> libseccomp's name "x86_64"; nullopt for a name the spec does not list.
std::optional<std::string> seccomp_arch_name(std::string_view spec_name);

// A syscall of a kernel newer than the linked libseccomp, which cannot filter it by
// name: a profile naming it is accepted and the rule skips it (see seccomp_config.cpp).
bool is_newer_syscall(std::string_view name);

}  // namespace mr::oci
