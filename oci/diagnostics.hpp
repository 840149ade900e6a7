// What loading a config says besides success or failure: warnings (something given is
// not applied, e.g. linux.resources) and debug notes (unknown properties ignored as the
// runtime-spec requires). Each is an Error so it names the file and the JSON pointer.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr::oci {

struct Diagnostics {
  std::vector<Error> warnings;
  std::vector<Error> notes;
};

}  // namespace mr::oci
