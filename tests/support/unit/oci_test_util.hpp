// Helpers for the oci/ unit tests: a throwaway bundle directory and JSON editing.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace mr::test {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mr-oci-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

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
