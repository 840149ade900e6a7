// An environment variable set for a scope: the fault points (base/fault.hpp) read theirs
// (MR_FAIL_AT_STEP, MR_PAUSE_*) from the environment, in the test process for the
// library and in mini-runc, which inherits it, for the binary.
#pragma once

#include <stdlib.h>

#include <string>

namespace mr::test {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace mr::test
