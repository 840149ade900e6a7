// A namespace joined by path (linux.namespaces[].path) may be the runtime's own: a
// config that joins "/proc/self/ns/net" has its linux.sysctl net.* written into the
// host's network namespace, one that joins the runtime's uts namespace renames the host.
// What a config changes through a joined namespace is allowed only when that namespace
// is provably not the runtime's own, compared as namespaces (the nsfs device and inode
// of the file the path names, against /proc/thread-self/ns/TYPE), never as paths.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::oci {

// One problem per joined namespace that is the runtime's own and that the config would
// change: a network or ipc namespace with sysctls of its kind, a uts namespace with a
// hostname, domainname or their sysctls, any mount namespace (the root filesystem is
// built and pivoted into in it). Each names `file` and /linux/namespaces/N. A path that
// does not open is left to create, which fails on it before anything is changed.
std::vector<Error> check_joined_namespaces(const Config& cfg, const std::string& file);

}  // namespace mr::oci
