// libFuzzer target: the OCI state netns-hook reads from stdin (oci/state.cpp). Whatever
// the runtime, or anything posing as one, writes there must give a state with a valid
// container id, or one line naming "stdin" and a JSON pointer; never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "fuzz/check_problems.hpp"
#include "oci/container_id.hpp"
#include "oci/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto state = mr::oci::parse_state(text, "stdin");
  std::vector<mr::Error> problems;
  if (!state) problems.push_back(state.error());
  mr::fuzz::check_problems(problems, state.has_value(), "stdin");
  // The id names a directory under --root: a state that passed cannot climb out of it.
  if (state && (!mr::oci::check_container_id(state->id) || state->pid < 0)) std::abort();
  return 0;
}
