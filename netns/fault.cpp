#include "netns/fault.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mr::netns {

FaultInjector::FaultInjector() {
  if constexpr (enabled()) {
    const char* text = std::getenv("MR_FAIL_AT_STEP");
    if (text) std::from_chars(text, text + std::strlen(text), fail_at_);
  }
}

Result<void> FaultInjector::step(std::string_view what) {
  ++steps_;
  if (enabled() && steps_ == fail_at_)
    return fail(ECANCELED, "injected fault at step " + std::to_string(steps_) + " (" + std::string(what) + ")");
  return {};
}

}  // namespace mr::netns
