#include "runtime/namespaces.hpp"

#include <sched.h>

#include <utility>

namespace mr::runtime {

namespace {

constexpr std::pair<const char*, int> kTypes[] = {
    {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},      {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},     {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {"user", CLONE_NEWUSER},
};

}  // namespace

Result<int> namespace_flag(const std::string& type) {
  for (auto [name, flag] : kTypes)
    if (type == name) return flag;
  return fail(EINVAL, "linux.namespaces: unknown namespace type \"" + type + "\"");
}

Result<int> new_namespace_flags(const std::vector<oci::Namespace>& list) {
  int seen = 0, flags = 0;
  for (const auto& ns : list) {
    int flag = MR_TRY_VALUE(namespace_flag(ns.type));
    if (seen & flag) return fail(EINVAL, "linux.namespaces: \"" + ns.type + "\" given twice");
    seen |= flag;
    if (ns.path.empty()) flags |= flag;
  }
  return flags;
}

bool owns_netns(const oci::Config& cfg) { return has_namespace(cfg, "network") && !joins_namespace(cfg, "network"); }

}  // namespace mr::runtime
