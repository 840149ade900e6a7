// A directory under /tmp for one unit test, removed with everything in it.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mr::test {

struct UnitTempDir {
  std::string path;
  UnitTempDir() {
    char t[] = "/tmp/mini-runc-unit.XXXXXX";
    REQUIRE(::mkdtemp(t));
    path = t;
  }
  UnitTempDir(const UnitTempDir&) = delete;
  UnitTempDir& operator=(const UnitTempDir&) = delete;
  ~UnitTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace mr::test
