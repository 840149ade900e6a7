#include "oci/error_json.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

namespace mr::oci {

namespace {

// A file name or kernel message may hold bytes that are not UTF-8, which JSON cannot
// carry (nlohmann's dump() would throw): they become U+FFFD.
std::string utf8(const std::string& text) {
  std::string quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace

nlohmann::json error_to_json(const Error& e, std::string_view level) {
  nlohmann::json j = {{"level", utf8(std::string(level))}, {"msg", utf8(e.message())}};
  if (!e.file.empty()) j["file"] = utf8(e.file);
  if (!e.pointer.empty()) j["pointer"] = utf8(e.pointer);
  if (!e.context.empty()) j["context"] = utf8(e.context);
  if (e.err != 0) {
    j["errno"] = e.err;
    j["error"] = std::strerror(e.err);
  }
  if (!e.kernel_msg.empty()) j["kernel"] = utf8(e.kernel_msg);
  return j;
}

}  // namespace mr::oci
