#include "runtime/namespace_join.hpp"

#include <fcntl.h>
#include <sched.h>

#include <utility>

#include "base/unique_fd.hpp"
#include "runtime/namespaces.hpp"

namespace mr::runtime {

bool joins_any(const std::vector<oci::Namespace>& list) {
  for (const auto& ns : list)
    if (!ns.path.empty()) return true;
  return false;
}

Result<void> join_namespaces(const std::vector<oci::Namespace>& list) {
  // All files are opened first: joining a mount namespace changes what later paths mean.
  // The user namespace goes first, as in runc's nsexec: the namespaces given with it are
  // its own, joined with the capabilities it grants, and those made afterwards
  // (unshare) belong to it (user_namespaces(7)).
  std::vector<const oci::Namespace*> ordered;
  for (const auto& ns : list)
    if (ns.type == "user") ordered.push_back(&ns);
  for (const auto& ns : list)
    if (ns.type != "user") ordered.push_back(&ns);
  std::vector<std::pair<UniqueFd, const oci::Namespace*>> joins;
  for (const oci::Namespace* p : ordered) {
    const oci::Namespace& ns = *p;
    if (ns.path.empty()) continue;
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(errno, "open " + ns.type + " namespace " + ns.path);
    joins.emplace_back(std::move(fd), p);
  }
  for (auto& [fd, ns] : joins) {
    int flag = MR_TRY_VALUE(namespace_flag(ns->type));
    if (::setns(fd.get(), flag) != 0) return fail(errno, "join " + ns->type + " namespace " + ns->path);
  }
  return {};
}

}  // namespace mr::runtime
