#include "runtime/container_id.hpp"

#include <cctype>
#include <string>

namespace mr::runtime {

Result<void> check_container_id(std::string_view id) {
  auto bad = [&](const std::string& why) {
    return netns::fail(EINVAL, "invalid container id \"" + std::string(id.substr(0, 64)) + "\": " + why);
  };
  if (id.empty()) return bad("empty");
  if (id.size() > kMaxIdLength) return bad("longer than " + std::to_string(kMaxIdLength) + " characters");
  if (id == "." || id == "..") return bad("not a file name");
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.';
    if (!ok) return bad("only letters, digits and _ + - . are allowed");
  }
  return {};
}

}  // namespace mr::runtime
