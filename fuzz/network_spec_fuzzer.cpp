// libFuzzer target: the network spec reader. Any input must give either a spec or
// problems, each a one-line message naming the file; never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/check_problems.hpp"
#include "netspec/network_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto check = mr::netspec::check_network_spec(text, "fuzz.json");
  mr::fuzz::check_problems(check.problems, check.spec.has_value(), "fuzz.json");
  if (check.spec) {
    // A spec that passed must render its /etc files without trouble.
    if (check.spec->dns) (void)mr::netspec::render_resolv_conf(*check.spec->dns);
    (void)mr::netspec::render_hosts(check.spec->hosts);
  }
  return 0;
}
