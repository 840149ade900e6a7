// Checking a config's hooks against the host before anything is made: a hook that
// cannot be run would otherwise be found only halfway through create, after the
// network is set up, or at delete, when nothing can be refused any more.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/config.hpp"

namespace mr::oci {

// Every hook whose path resolves in the runtime's file tree (prestart, createRuntime,
// createContainer, poststart, poststop; runtime-spec config.md) must name an executable
// regular file there. startContainer paths resolve in the container and are left to it.
// Each problem names `file` ("BUNDLE/config.json") and the hook's /hooks/KIND/N/path.
// Relative paths are the config loader's to refuse; they are skipped here.
std::vector<Error> check_hook_paths(const Hooks& hooks, const std::string& file);

}  // namespace mr::oci
