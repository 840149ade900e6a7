#include "oci/sysctl_name.hpp"

namespace mr::oci {

bool is_valid_sysctl_name(std::string_view key) {
  if (key.empty() || key.find('/') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    std::string_view part = key.substr(start, dot == std::string_view::npos ? key.npos : dot - start);
    if (part.empty()) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace mr::oci
