// The runtime-spec's features document (features.md): what this build of mini-runc
// implements, for engines that ask before they write config.json (`mini-runc features`).
// Built from the same tables the runtime checks and applies config.json with, so it
// cannot claim what the code does not do.
#pragma once

#include <nlohmann/json.hpp>

namespace mr::runtime {

nlohmann::json features_document();

}  // namespace mr::runtime
