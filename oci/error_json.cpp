#include "oci/error_json.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

namespace mr::oci {

nlohmann::json error_to_json(const netns::Error& e, std::string_view level) {
  nlohmann::json j = {{"level", level}, {"msg", e.message()}};
  if (!e.file.empty()) j["file"] = e.file;
  if (!e.pointer.empty()) j["pointer"] = e.pointer;
  if (!e.context.empty()) j["context"] = e.context;
  if (e.err != 0) {
    j["errno"] = e.err;
    j["error"] = std::strerror(e.err);
  }
  if (!e.kernel_msg.empty()) j["kernel"] = e.kernel_msg;
  return j;
}

}  // namespace mr::oci
