// What every parser result must satisfy, whatever the input: problems xor a result, and
// each problem one line that names the file and renders as JSON.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/log_json.hpp"

namespace mr::fuzz {

inline void check_problems(const std::vector<Error>& problems, bool has_result, const std::string& file) {
  if (problems.empty() != has_result) std::abort();
  for (const auto& e : problems) {
    std::string m = e.message();
    if (m.find('\n') != std::string::npos) std::abort();
    if (e.file != file || !m.starts_with(file + ":")) std::abort();
    (void)nlohmann::json::parse(error_json(e, "error").dump());  // throws, and aborts, if not JSON
  }
}

}  // namespace mr::fuzz
