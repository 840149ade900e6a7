// JSON Schema validation with valijson: the official runtime-spec schemas for config.json
// and the project's own schemas (network spec, linux.netDevices). Schemas $ref each other
// by relative file name; they are resolved inside the directory of the root schema.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hpp"

namespace valijson {
class Schema;
}

namespace mr::oci {


inline constexpr size_t kMaxPatternInput = 4096;

class Schema {
 public:
  // Loads `dir`/`root_file` and every schema it refers to. With `only_for`, the schema
  // is good for that one document only: what it does not use is left out
  // (oci/schema_prune.hpp), and the messages stay those of the whole schema.
  static Result<Schema> load(const std::string& dir, const std::string& root_file,
                             const nlohmann::json* only_for = nullptr);

  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ~Schema();

  // Every violation in `doc` as an input error naming `file` and the JSON pointer of the
  // offending value, one per pointer, saying what was expected ("expected an integer",
  // "expected one of: a, b"). Only the innermost failures are reported: valijson also
  // reports each enclosing object, which would repeat the same problem. Every property that an
  // "additionalProperties": false object does not allow is reported at its own pointer
  // (valijson names only the first, at the object). A string longer than
  // kMaxPatternInput where a pattern applies is refused before any regex sees it.
  std::vector<Error> validate(const nlohmann::json& doc, const std::string& file) const;

 private:
  Schema(std::unique_ptr<valijson::Schema> s, std::unique_ptr<nlohmann::json> root,
         std::set<std::string> pattern_keys, std::string dir);
  std::unique_ptr<valijson::Schema> schema_;
  // The whole root document, for the messages: unknown properties, the expected type
  // or values; the files it $refs are read again from dir_ when a message needs them.
  std::unique_ptr<nlohmann::json> root_;
  // Property names whose value must match a "pattern": valijson matches with std::regex,
  // which recurses once per character and overflows the stack on a long enough string.
  std::set<std::string> pattern_keys_;
  std::string dir_;
};

// `problems` holds `schema_count` errors of Schema::validate() followed by the reader's
// own: a schema error at a pointer that an own error also names is dropped, so that each
// pointer gets one line, the more specific one.
void drop_schema_repeats(std::vector<Error>& problems, size_t schema_count);

// The directory of the official runtime-spec schemas (Debian's
// golang-github-opencontainers-specs-dev); $MR_RUNTIME_SPEC_SCHEMA_DIR overrides it.
std::string runtime_spec_schema_dir();
// The directory of mini-runc's own schemas: $MR_SCHEMA_DIR, else the installed copy,
// else the source tree's oci/schema (for running from a build directory).
std::string project_schema_dir();

// config-schema.json and our network spec, cut down to the document they are to check:
// compiling only what a document uses costs a fraction of the whole.
Result<Schema> runtime_config_schema(const nlohmann::json& doc);
Result<Schema> network_spec_schema(const nlohmann::json& doc);
// linux.netDevices (newer than the package), loaded once per process.
Result<const Schema*> net_devices_schema();

}  // namespace mr::oci
