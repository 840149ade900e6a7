// linux.namespaces: which ones a container gets new, and which it joins by path.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::runtime {


// CLONE_NEW* for a namespace type; an error for unknown types.
Result<int> namespace_flag(const std::string& type);

// Checks the list (known types, no type twice) and returns the CLONE_NEW* flags of the
// new namespaces.
Result<int> new_namespace_flags(const std::vector<oci::Namespace>& list);
using oci::has_namespace;
using oci::joins_namespace;
// A network namespace made for this container (not joined by path).
bool owns_netns(const oci::Config& cfg);

}  // namespace mr::runtime
