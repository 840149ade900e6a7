#include "oci/origin.hpp"

namespace mr::oci {

std::string make_origin(std::string_view file, std::string_view pointer) {
  return std::string(file) + "#" + std::string(pointer);
}

netns::Error origin_error(std::string_view origin, std::string_view sub, std::string what) {
  netns::Error e;
  auto hash = origin.find('#');
  if (hash == std::string_view::npos) {
    e.pointer = std::string(origin);
  } else {
    e.file = std::string(origin.substr(0, hash));
    e.pointer = std::string(origin.substr(hash + 1));
  }
  e.pointer += sub;
  e.context = std::move(what);
  return e;
}

}  // namespace mr::oci
