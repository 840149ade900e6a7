#include "oci/schema_file.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "oci/json_input.hpp"

namespace mr::oci {

namespace {

// valijson reads every integer as int64_t, so the runtime-spec's uint64 maximum
// (18446744073709551615) becomes -1 and rejects every value, and an RLIM_INFINITY in a
// config fails "minimum": 0. Both the schemas and the checked copy of a document get
// such numbers lowered to INT64_MAX: still an integer, still >= 0, still <= every maximum.
constexpr auto kMaxInt = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool too_big(const nlohmann::json& j) { return j.is_number_unsigned() && j.get<uint64_t>() > kMaxInt; }

// Numbers lowered to kMaxInt and sibling refs prefixed (kSiblingPrefix), in one walk
// over a schema document.
void prepare_schema(nlohmann::json& j) {
  if (too_big(j)) {
    j = static_cast<int64_t>(kMaxInt);
  } else if (j.is_object()) {
    // Plain iterators: items() builds a string per element.
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) {
        auto& text = it->get_ref<std::string&>();
        if (!text.starts_with("#") && text.find("://") == std::string::npos) text.insert(0, kSiblingPrefix);
      } else {
        prepare_schema(*it);
      }
    }
  } else if (j.is_array()) {
    for (auto& child : j) prepare_schema(child);
  }
}

}  // namespace

void clamp_unsigned(nlohmann::json& j) {
  if (too_big(j)) {
    j = static_cast<int64_t>(kMaxInt);
  } else if (j.is_structured()) {
    for (auto& child : j) clamp_unsigned(child);
  }
}

// The schemas are ours or Debian's, installed with the binaries: parsed without the
// bookkeeping that names a user's mistakes by JSON pointer, which would double the cost.
Result<nlohmann::json> load_schema_file(const std::string& path) {
  std::string text = MR_TRY_VALUE(read_input_file(path));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::unexpected(input_error(path, "", "cannot parse schema: not valid JSON"));
  prepare_schema(doc);
  return doc;
}

bool has_huge_unsigned(const nlohmann::json& j) {
  if (too_big(j)) return true;
  if (j.is_structured())
    return std::any_of(j.begin(), j.end(), [](const nlohmann::json& c) { return has_huge_unsigned(c); });
  return false;
}

}  // namespace mr::oci
