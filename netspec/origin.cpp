#include "netspec/origin.hpp"

#include "oci/json_input.hpp"

namespace mr::netspec {

std::string make_origin(std::string_view file, std::string_view pointer) {
  return std::string(file) + "#" + std::string(pointer);
}

Error origin_error(std::string_view origin, std::string_view sub, std::string what) {
  auto at = at_origin({}, origin, sub);
  return oci::input_error(at.file, std::move(at.pointer), std::move(what));
}

}  // namespace mr::netspec
