// libFuzzer target: the config.json reader (strict JSON, the runtime-spec schemas via
// valijson, the runtime's rules).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/check_problems.hpp"
#include "oci/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mr::oci::Diagnostics diag;
  auto check = mr::oci::check_config(text, "config.json", diag);
  mr::fuzz::check_problems(check.problems, check.config.has_value(), "config.json");
  return 0;
}
