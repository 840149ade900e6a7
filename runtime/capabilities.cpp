#include "runtime/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

#include "oci/capability_names.hpp"

namespace mr::runtime {

namespace {

const auto kCapNames = oci::capability_names();
const int kNumCaps = static_cast<int>(kCapNames.size());

// The highest capability this kernel knows (capabilities(7)).
int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int v = kNumCaps - 1;
  in >> v;
  return v;
}

}  // namespace

Result<int> capability_number(const std::string& name) {
  if (auto n = oci::capability_number_of(name)) return *n;
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
      return fail(errno, std::string("drop ") + (c < kNumCaps ? std::string(kCapNames[c]) : "capability") +
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
  // The kernel raises an ambient capability only if it is permitted and inheritable.
  // Like runc, the others are not raised and not refused (runc's default bundle asks for
  // three that are not inheritable); the config loader notes each under --debug.
  uint64_t raisable = amb & perm & inh;
  for (int c = 0; c < kNumCaps; ++c) {
    if (!(raisable & (uint64_t{1} << c))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      return fail(errno, "raise the ambient capability " + std::string(kCapNames[c]));
  }
  return {};
}

}  // namespace mr::runtime
