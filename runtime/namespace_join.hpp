// linux.namespaces entries with a path: the namespaces a container shares with others.
#pragma once

#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


// Any entry of the list given by path.
bool joins_any(const std::vector<oci::Namespace>& list);

// In the calling process: setns() into each namespace given by path. A joined pid
// namespace applies only to children forked afterwards (setns(2)).
Result<void> join_namespaces(const std::vector<oci::Namespace>& list);

}  // namespace mr::runtime
