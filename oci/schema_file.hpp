// A schema file as valijson needs it, and the numbers valijson cannot read. Shared by the
// schema's loading (oci/schema.cpp) and by the messages that read the files again
// (oci/schema_expectation.cpp).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hpp"

namespace mr::oci {

// valijson tells a $ref into another file from one inside the document by asking whether
// its URI is absolute, else whether it is a URN; the URN test compiles a large std::regex
// on first use, which cost a sixth of checking a config.json. Refs between sibling
// schema files ("defs.json#/definitions/Mount") are made absolute under this prefix, so
// the question never comes up; the fetch callback keeps only the last path segment.
inline constexpr std::string_view kSiblingPrefix = "sibling:///";

// `path` parsed, with its refs to sibling files prefixed and its unsigned integers above
// INT64_MAX lowered to it.
Result<nlohmann::json> load_schema_file(const std::string& path);

// Whether `j` holds an unsigned integer above INT64_MAX; clamp_unsigned lowers every such
// number in `j` to INT64_MAX, as the schemas' own are.
bool has_huge_unsigned(const nlohmann::json& j);
void clamp_unsigned(nlohmann::json& j);

}  // namespace mr::oci
