// Running another program to its end, with a text on its stdin and what it writes to
// stdout and stderr kept: a CNI plugin's delegated plugins (SPEC.md, "Delegated
// plugins"). posix_spawn, no shell; the streams are memory files rather than pipes, so
// a child that never reads its stdin, or writes a lot, cannot block either side.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr {

struct ProgramOutput {
  int exit_code = -1;  // -1 when it died of a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs `path` (absolute) with argv `args` (argv[0] included) and exactly the
// environment `env` ("NAME=VALUE" each), `input` on its stdin; no signal blocked or
// ignored in it. Fails only when it could not be run or waited for.
Result<ProgramOutput> run_program(const std::string& path, const std::vector<std::string>& args,
                                  const std::vector<std::string>& env, const std::string& input);

}  // namespace mr
