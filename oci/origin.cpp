#include "oci/origin.hpp"

#include "oci/json_input.hpp"

namespace mr::oci {

std::string make_origin(std::string_view file, std::string_view pointer) {
  return std::string(file) + "#" + std::string(pointer);
}

netns::Error origin_error(std::string_view origin, std::string_view sub, std::string what) {
  auto hash = origin.find('#');
  if (hash == std::string_view::npos) return input_error("", std::string(origin) + std::string(sub), std::move(what));
  return input_error(std::string(origin.substr(0, hash)), std::string(origin.substr(hash + 1)) + std::string(sub),
                     std::move(what));
}

}  // namespace mr::oci
