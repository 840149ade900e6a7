#include <doctest/doctest.h>

#include "base/error.hpp"

using namespace mr;

namespace {

Result<int> failing(int err) { return fail(err, "inner"); }

Result<int> twice(int err) {
  int v = MR_TRY_VALUE(failing(err));
  return v * 2;
}

Result<void> with_context(int err) {
  MR_TRY_CTX(failing(err), "outer");
  return {};
}

Result<void> plain(int err) {
  MR_TRY(failing(err));
  return {};
}

}  // namespace

TEST_CASE("an error message has file, pointer, context, errno and the kernel's text in order") {
  Error e = sys_error(EEXIST, "move link eth1");
  e.file = "network.json";
  e.pointer = "/devices/1/addresses/0";
  e.kernel_msg = "Name already in use";
  CHECK(e.message() == "network.json:/devices/1/addresses/0: move link eth1: File exists (kernel: Name already in use)");
  e.pointer.clear();
  CHECK(e.message() == "network.json: move link eth1: File exists (kernel: Name already in use)");
  e.file.clear();
  e.kernel_msg.clear();
  CHECK(e.message() == "move link eth1: File exists");
  CHECK(sys_error(ENOENT, "").message() == "No such file or directory");
}

TEST_CASE("an input error has a pointer and no errno") {
  auto e = fail_input("/devices/0/name", "expected a string").error();
  CHECK(e.err == 0);
  CHECK(e.message() == "/devices/0/name: expected a string");
  e.file = "config.json";
  CHECK(e.message() == "config.json:/devices/0/name: expected a string");
}

TEST_CASE("wrap puts the outer context first") {
  auto e = sys_error(EEXIST, "inner").wrap("middle").wrap("outer");
  CHECK(e.context == "outer: middle: inner");
  CHECK(e.message() == "outer: middle: inner: File exists");
  CHECK(sys_error(EPERM, "").wrap("outer").message() == "outer: Operation not permitted");
}

TEST_CASE("the MR_TRY macros pass errors up, with context when asked") {
  CHECK(twice(EIO).error().message() == "inner: Input/output error");
  CHECK(plain(EIO).error().message() == "inner: Input/output error");
  CHECK(with_context(EIO).error().message() == "outer: inner: Input/output error");
  CHECK(with_context(EIO).error().err == EIO);
}
