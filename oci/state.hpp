// The OCI state (runtime-spec "State"), as runtimes hand it to hooks on stdin.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr::oci {

struct State {
  std::string oci_version;
  std::string id;
  std::string status;  // "creating", "created", "running", "stopped"
  pid_t pid = 0;       // 0 when absent (a stopped container may have none)
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// Reads the state JSON named `file` ("stdin"): strict JSON, the fields typed, id
// checked as a container id. Unknown fields are ignored, as the runtime-spec requires.
Result<State> parse_state(std::string_view text, const std::string& file);

}  // namespace mr::oci
