// A network definition's file, DIR/NAME.json: strict JSON, the schema
// oci/schema/network.schema.json (unknown keys are errors), then the rules of
// check_network_rules() and the file's own (its name is its "name"). A problem is one
// line, as the network spec's are: "FILE:/json/pointer: what was expected".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "netdef/network_def.hpp"

namespace mr::netdef {

struct DefCheck {
  std::optional<NetworkDef> def;  // set when there are no problems
  std::vector<Error> problems;
};

// Reads `text` as the definition file `file` (a path; its base name without ".json"
// must be the network's name). Keys left out take their defaults: "id" the one derived
// from the name, "bridge" "mr-" and the id's first 12 digits, "gateway" the subnet's
// first host address. The result's `file` is `file`.
DefCheck check_network_def(std::string_view text, const std::string& file);
// The file at `path`, read (no FIFO, no device, size-limited) and checked; the first
// problem when there is one.
Result<NetworkDef> read_network_file(const std::string& path);

// The definition as stored: every key, defaults included (not "file", which is where it
// is stored).
nlohmann::ordered_json network_def_json(const NetworkDef& def);
// The file's text: network_def_json() indented, with a final newline.
std::string render_network_def(const NetworkDef& def);

}  // namespace mr::netdef
