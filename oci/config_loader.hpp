// Reading an OCI bundle's config.json into oci::Config: strict JSON, the official
// runtime-spec schemas, then the runtime's own rules. Unknown properties are ignored as
// the runtime-spec requires (with a debug note); a known field the runtime does not
// implement is an error when ignoring it would weaken isolation or change what runs,
// and a warning when it is a resource limit. Nothing is dropped silently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oci/config.hpp"
#include "oci/diagnostics.hpp"

namespace mr::oci {

// Who reads the config. mini-runc runs the container, so a field it does not implement
// is refused (or warned about); netns-hook only configures the network of a container
// that another runtime (runc, crun) runs, and that runtime applies seccomp, devices,
// user namespaces and limits: for it only the schema and the rules of the settings that
// stay inside namespaces apply.
enum class ConfigUse { run, network };

// Every problem found in one config, not just the first.
struct ConfigCheck {
  std::optional<Config> config;  // set when there are no problems
  std::vector<Error> problems;
};

// Reads and checks `text` as the config.json named `file` (used in messages).
ConfigCheck check_config(std::string_view text, const std::string& file, Diagnostics& diag,
                         ConfigUse use = ConfigUse::run);
// The same for <bundle_dir>/config.json, including a file that cannot be read.
ConfigCheck check_config_file(const std::string& bundle_dir, Diagnostics& diag, ConfigUse use = ConfigUse::run);

// <bundle_dir>/config.json as a Config, or its first problem.
Result<Config> load_config(const std::string& bundle_dir, Diagnostics& diag, ConfigUse use = ConfigUse::run);
// `text` as a Config, or its first problem.
Result<Config> parse_config(std::string_view text, const std::string& file, Diagnostics& diag);

// Namespace types the runtime creates or joins.
bool is_supported_namespace(std::string_view type);
std::span<const std::string_view> supported_namespaces();

}  // namespace mr::oci
