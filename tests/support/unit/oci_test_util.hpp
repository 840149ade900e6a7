// Helpers for the spec and config.json unit tests: a throwaway bundle directory
// (unit_temp_dir.hpp) and the problems of a check result.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "support/unit/unit_temp_dir.hpp"

namespace mr::test {

// Every problem of a check result (ConfigCheck, SpecCheck, ...), one message a line.
template <class Check>
std::string messages(const Check& c) {
  std::string out;
  for (const auto& e : c.problems) out += e.message() + "\n";
  return out;
}

template <class Check>
bool has_problem_at(const Check& c, const std::string& pointer) {
  return std::any_of(c.problems.begin(), c.problems.end(), [&](const auto& e) { return e.pointer == pointer; });
}

}  // namespace mr::test
