#include "runtime/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>

#include <utility>

#include "netns/unique_fd.hpp"

namespace mr::runtime {

namespace {

constexpr std::pair<const char*, int> kTypes[] = {
    {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},      {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},     {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

}  // namespace

Result<int> namespace_flag(const std::string& type) {
  if (type == "user")
    return netns::fail(ENOTSUP, "linux.namespaces: user namespaces are not supported by mini-runc");
  for (auto [name, flag] : kTypes)
    if (type == name) return flag;
  return netns::fail(EINVAL, "linux.namespaces: unknown namespace type \"" + type + "\"");
}

Result<int> new_namespace_flags(const std::vector<oci::Namespace>& list) {
  int seen = 0, flags = 0;
  for (const auto& ns : list) {
    int flag = MR_TRY_VALUE(namespace_flag(ns.type));
    if (seen & flag) return netns::fail(EINVAL, "linux.namespaces: \"" + ns.type + "\" given twice");
    seen |= flag;
    if (ns.path.empty()) flags |= flag;
  }
  return flags;
}

bool has_namespace(const oci::Config& cfg, const std::string& type) {
  for (const auto& ns : cfg.linux.namespaces)
    if (ns.type == type) return true;
  return false;
}

bool owns_netns(const oci::Config& cfg) {
  for (const auto& ns : cfg.linux.namespaces)
    if (ns.type == "network") return ns.path.empty();
  return false;
}

Result<void> enter_namespaces(const std::vector<oci::Namespace>& list) {
  int flags = MR_TRY_VALUE(new_namespace_flags(list));
  // All files are opened first: joining a mount namespace changes what later paths mean.
  std::vector<std::pair<netns::UniqueFd, const oci::Namespace*>> joins;
  for (const auto& ns : list) {
    if (ns.path.empty()) continue;
    netns::UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return netns::fail(errno, "open " + ns.type + " namespace " + ns.path);
    joins.emplace_back(std::move(fd), &ns);
  }
  for (auto& [fd, ns] : joins) {
    int flag = MR_TRY_VALUE(namespace_flag(ns->type));
    if (::setns(fd.get(), flag) != 0) return netns::fail(errno, "join " + ns->type + " namespace " + ns->path);
  }
  if (flags && ::unshare(flags) != 0) return netns::fail(errno, "unshare the container's namespaces");
  return {};
}

}  // namespace mr::runtime
