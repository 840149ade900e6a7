#include "runtime/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "base/log.hpp"

namespace mr::runtime {

namespace {

// Index = capability number (include/uapi/linux/capability.h).
constexpr const char* kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
constexpr int kNumCaps = sizeof kCapNames / sizeof kCapNames[0];

// The highest capability this kernel knows (capabilities(7)).
int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int v = kNumCaps - 1;
  in >> v;
  return v;
}

}  // namespace

Result<int> capability_number(const std::string& name) {
  for (int i = 0; i < kNumCaps; ++i)
    if (name == kCapNames[i]) return i;
  return fail(EINVAL, "unknown capability \"" + name + "\"");
}

Result<uint64_t> capability_mask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const auto& n : names) mask |= uint64_t{1} << MR_TRY_VALUE(capability_number(n));
  return mask;
}

Result<void> apply_bounding_set(const oci::Capabilities& caps) {
  uint64_t keep = MR_TRY_VALUE(capability_mask(caps.bounding));
  int last = last_cap();
  for (int c = 0; c <= last; ++c) {
    if (keep & (uint64_t{1} << c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
      return fail(errno, std::string("drop ") + (c < kNumCaps ? kCapNames[c] : "capability") +
                                    " from the bounding set");
  }
  return {};
}

Result<void> apply_capability_sets(const oci::Capabilities& caps) {
  uint64_t eff = MR_TRY_VALUE(capability_mask(caps.effective));
  uint64_t perm = MR_TRY_VALUE(capability_mask(caps.permitted));
  uint64_t inh = MR_TRY_VALUE(capability_mask(caps.inheritable));
  uint64_t amb = MR_TRY_VALUE(capability_mask(caps.ambient));
  __user_cap_header_struct hdr{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(eff >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(perm >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(inh >> (32 * i));
  }
  if (::syscall(SYS_capset, &hdr, data) != 0) return fail(errno, "set capabilities (capset)");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return fail(errno, "clear ambient capabilities");
  for (int c = 0; c < kNumCaps; ++c) {
    if (!(amb & (uint64_t{1} << c))) continue;
    // The kernel raises an ambient capability only if it is permitted and inheritable;
    // like runc, a config that asks for one that is not is warned about, not refused.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      log_warn(std::string("cannot raise ambient ") + kCapNames[c] + ": " + std::strerror(errno) +
               " (it must also be permitted and inheritable)");
  }
  return {};
}

}  // namespace mr::runtime
