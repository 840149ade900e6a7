#include "oci/container_id.hpp"

#include <cctype>
#include <string>

#include "oci/json_input.hpp"

namespace mr::oci {

Result<void> check_container_id(std::string_view id) {
  auto bad = [&](const std::string& why) {
    return fail(EINVAL, "invalid container id \"" + one_line(id.substr(0, 64)) + "\": " + why);
  };
  if (id.empty()) return bad("empty");
  if (id.size() > kMaxIdLength) return bad("longer than " + std::to_string(kMaxIdLength) + " characters");
  if (id == ".") return bad("not a file name");
  // "a..b" names no parent, but an id is also pasted into messages and paths by whoever
  // drives the runtime; no ".." anywhere is the simpler promise.
  if (id.find("..") != std::string_view::npos) return bad("\"..\" is not allowed");
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.';
    if (!ok) return bad("only letters, digits and _ + - . are allowed");
  }
  return {};
}

}  // namespace mr::oci
