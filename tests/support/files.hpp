// Whole files written and read back by tests, unit and integration alike. A failure to
// write or to open fails the test: a check on an unread file would compare nothing.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace mr::test {

// Replaces whatever is at `path` (a file, or a FIFO or directory a hostile document
// left there) with a regular file holding exactly `text`.
inline void write_file(const std::string& path, const std::string& text) {
  std::error_code ignored;  // nothing there to remove
  std::filesystem::remove(path, ignored);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE_MESSAGE(out.good(), "write " << path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "read " << path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace mr::test
