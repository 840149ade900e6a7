// Hostile JSON documents for the front-door tests of mini-runc and netns-hook, and the
// bound their runs must keep. Each is written straight to its file: the test process
// stays small, since its resident pages at fork count in the child's peak RSS too.
#pragma once

#include <sys/resource.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "support/files.hpp"

namespace mr::test {

// Peak RSS allowed to a refusing mini-runc or netns-hook (wait4's ru_maxrss). The input
// is capped at 16 MiB, so a run that stays under this read no 64 MiB file whole. Under
// AddressSanitizer ru_maxrss also counts the test binary's pages the child held between
// fork and exec (exec_mmap() records the old mm's high-water mark), and that binary
// grows as its tests run (240 to 420 MiB): the bound is this process's own peak plus
// 64 MiB there, which still leaves no room for a 256 MiB file (ASan's shadow included).
inline long max_refusal_rss_kib() {
#ifdef __SANITIZE_ADDRESS__
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  return self.ru_maxrss + 64 * 1024;
#else
  return 64 * 1024;
#endif
}
inline constexpr size_t kDeep = 100000;

struct HostileDoc {
  std::string name;
  // Puts the document at `path` (replacing what is there).
  std::function<void(const std::string& path)> make;
  // What the one error line says after "FILE": the pointer and reason.
  std::string says;
};

inline std::string repeat(const std::string& part, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += part;
  return out;
}

// The same documents at every door: parsing refuses them before any door's own rules.
inline std::vector<HostileDoc> hostile_docs() {
  return {
      {"100,000 nested arrays",
       [](const std::string& path) {
         write_file(path, "{\"deep\": " + std::string(kDeep, '[') + std::string(kDeep, ']') + "}");
       },
       ":/deep" + repeat("/0", 63) + ": nested deeper than the limit of 64 levels"},
      {"100,000 nested objects",
       [](const std::string& path) {
         std::string text;
         for (size_t i = 0; i < kDeep; ++i) text += "{\"a\":";
         text += "1" + std::string(kDeep, '}');
         write_file(path, text);
       },
       repeat("/a", 64).insert(0, ":") + ": nested deeper than the limit of 64 levels"},
      {"a 256 MiB file",
       [](const std::string& path) {
         write_file(path, "{\"a\": \"");
         REQUIRE(::truncate(path.c_str(), off_t{256} << 20) == 0);  // sparse: no disk
       },
       ": file larger than the limit of 16777216 bytes"},
      {"a FIFO no one writes",
       [](const std::string& path) {
         std::filesystem::remove(path);
         REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
       },
       ": expected a regular file (a FIFO, device or directory is not read)"},
      {"a symlink to /dev/zero",
       [](const std::string& path) {
         std::filesystem::remove(path);
         std::filesystem::create_symlink("/dev/zero", path);
       },
       ": expected a regular file (a FIFO, device or directory is not read)"},
      {"invalid UTF-8",
       [](const std::string& path) { write_file(path, "{\"a\": {\"name\": \"eth\xff\"}}"); },
       ":/a/name: malformed JSON: parse error at line 1, column 20: syntax error while parsing value - invalid "
       "string: ill-formed UTF-8 byte; last read: '\"eth\xff'"},
      {"a duplicate key",
       [](const std::string& path) { write_file(path, R"({"a": {"b": 1, "b": 2}})"); },
       ":/a/b: duplicate key \"b\""},
      {"a number past double range",
       [](const std::string& path) { write_file(path, R"({"a": {"mtu": 1e400}})"); },
       ":/a/mtu: malformed JSON: number overflow parsing '1e400'"},
  };
}

// What the state-root check says after "--root PATH".
inline const std::string kRootSymlinkSays =
    " is a symlink; give the directory itself, which only its owner may write: Operation not permitted";
inline std::string root_writable_says(mode_t mode) {
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  return std::string(" is writable by others than its owner (mode ") + octal +
         "); container state must be writable by its owner only: Operation not permitted";
}

// stderr's lines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace mr::test
