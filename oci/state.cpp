#include "oci/state.hpp"

#include <nlohmann/json.hpp>

#include "oci/container_id.hpp"
#include "oci/json_input.hpp"

namespace mr::oci {

namespace {

Result<std::string> string_at(const nlohmann::json& doc, const std::string& file, const char* key, bool required) {
  auto it = doc.find(key);
  if (it == doc.end()) {
    if (required) return std::unexpected(input_error(file, std::string("/") + key, "required, but missing"));
    return std::string();
  }
  if (!it->is_string())
    return std::unexpected(input_error(file, std::string("/") + key, "expected a string, got " + brief(*it)));
  return it->get<std::string>();
}

}  // namespace

Result<State> parse_state(std::string_view text, const std::string& file) {
  auto doc = MR_TRY_VALUE(parse_json(text, file));
  if (!doc.is_object()) return std::unexpected(input_error(file, "", "expected the OCI state, a JSON object"));
  State st;
  st.oci_version = MR_TRY_VALUE(string_at(doc, file, "ociVersion", true));
  st.id = MR_TRY_VALUE(string_at(doc, file, "id", true));
  if (auto ok = check_container_id(st.id); !ok)
    return std::unexpected(input_error(file, "/id", ok.error().context));
  st.status = MR_TRY_VALUE(string_at(doc, file, "status", true));
  st.bundle = MR_TRY_VALUE(string_at(doc, file, "bundle", false));
  if (auto it = doc.find("pid"); it != doc.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > INT32_MAX)
      return std::unexpected(input_error(file, "/pid", "expected a process id, got " + brief(*it)));
    st.pid = static_cast<pid_t>(it->get<int64_t>());
  }
  if (auto it = doc.find("annotations"); it != doc.end()) {
    if (!it->is_object()) return std::unexpected(input_error(file, "/annotations", "expected an object"));
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string())
        return std::unexpected(input_error(file, pointer_append("/annotations", k), "expected a string"));
      st.annotations[k] = v.get<std::string>();
    }
  }
  return st;
}

}  // namespace mr::oci
