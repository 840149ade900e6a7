#include "base/fault.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mr {

namespace {

// Unused where fault injection is compiled out (clang says so).
[[maybe_unused]] int env_int(const char* name, int otherwise) {
  const char* text = std::getenv(name);
  int value = otherwise;
  if (text) std::from_chars(text, text + std::strlen(text), value);
  return value;
}

// Without a resume fd it never returns: the test that asked for the pause ends the
// process with SIGKILL.
void pause_here(int fd, int resume_fd) {
  char byte = 'P';
  while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
  }
  if (resume_fd < 0)
    for (;;) ::pause();
  while (::read(resume_fd, &byte, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace

FaultInjector::FaultInjector() : FaultInjector("MR_FAIL_AT_STEP", "MR_PAUSE_AT_STEP") {}

FaultInjector FaultInjector::pausing_at(const char* pause_env) { return FaultInjector(nullptr, pause_env); }

FaultInjector::FaultInjector(const char* fail_env, const char* pause_env) {
  if constexpr (enabled()) {
    if (fail_env) fail_at_ = env_int(fail_env, 0);
    pause_at_ = env_int(pause_env, 0);
    pause_fd_ = env_int("MR_PAUSE_FD", -1);
    resume_fd_ = env_int("MR_RESUME_FD", -1);
  }
}

Result<void> FaultInjector::step(std::string_view what) {
  ++steps_;
  if (enabled() && steps_ == pause_at_ && pause_fd_ >= 0) pause_here(pause_fd_, resume_fd_);
  if (enabled() && steps_ == fail_at_)
    return fail(ECANCELED, "injected fault at step " + std::to_string(steps_) + " (" + std::string(what) + ")");
  return {};
}

}  // namespace mr
