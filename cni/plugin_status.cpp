#include "cni/plugin_status.hpp"

#include <unistd.h>

#include "base/state_root.hpp"
#include "cni/attachment.hpp"
#include "network/join_check.hpp"

namespace mr::cni {

namespace {

Failure not_available(const Error& e) { return {Code::not_available, e.message(), {}}; }

// ADD makes the state directory when missing (then its parent must take it), and writes
// an attachment's directory into it.
Result<void> check_writable(const std::string& root) {
  MR_TRY(check_state_root(root, "stateDir"));
  std::string dir = root;
  while (::access(dir.c_str(), F_OK) != 0 && dir.find('/', 1) != std::string::npos) dir.erase(dir.rfind('/'));
  if (::access(dir.c_str(), F_OK) != 0) dir = "/";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return fail(errno, "stateDir: " + dir + " cannot be written");
  return {};
}

}  // namespace

Outcome<void> status(const NetConf& conf) {
  if (auto ok = check_writable(state_dir_of(conf)); !ok) return std::unexpected(not_available(ok.error()));
  if (auto ok = network::check_can_join(network_dir_of(conf), conf.network); !ok)
    return std::unexpected(not_available(ok.error()));
  return {};
}

}  // namespace mr::cni
