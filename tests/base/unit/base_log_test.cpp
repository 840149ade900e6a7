// The one logger (base/log.hpp): its JSON, byte for byte what nlohmann writes, and its
// lines in a --log file, text or JSON, debug only with --debug.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "base/log_json.hpp"
#include "support/unit/unit_temp_dir.hpp"

using namespace mr;
using nlohmann::json;

namespace {

std::string nlohmann_text(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Logs to `file` only: stderr is the test runner's.
struct FileLog {
  test::TempDir dir;
  std::string file = dir.path() + "/log";
  FileLog(bool json, bool debug) { log_configure({.program = "unit", .file = file, .json = json, .debug = debug}); }
  ~FileLog() { log_configure({.program = "unit"}); }
};

}  // namespace

TEST_CASE("json_quote writes what nlohmann writes, invalid UTF-8 included") {
  const std::vector<std::string> texts = {
      "", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", std::string("nul \0 here", 10), "\x01\x1f\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",         // 2, 3 and 4 byte sequences
      "bad\xff.json", "\x80", "\xc0\xaf", "\xc3",          // lone continuation, overlong, cut short at the end
      "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",  // overlong, surrogate, above U+10FFFF
      "\xe2\x82x", "\xf0\x9f\x98", "a\xf0\x9f\x98" "b",   // cut short by ASCII, at the end, in the middle
      "\xf5\xfe\xfe\xff", "\xc3\xc3\xa9",
  };
  for (const auto& t : texts) {
    CAPTURE(t);
    CHECK(json_quote(t) == nlohmann_text(t));
  }
}

TEST_CASE("an error renders as one JSON object with its parts, keys in nlohmann's order") {
  Error e = sys_error(EEXIST, "move link eth1");
  e.file = "net.json";
  e.pointer = "/devices/1";
  e.kernel_msg = "name taken";
  json full{{"level", "error"},
            {"msg", "net.json:/devices/1: move link eth1: File exists (kernel: name taken)"},
            {"file", "net.json"},
            {"pointer", "/devices/1"},
            {"context", "move link eth1"},
            {"errno", EEXIST},
            {"error", "File exists"},
            {"kernel", "name taken"}};
  CHECK(error_json(e, "error").dump() == full.dump());
  Error note;
  note.file = "a.json";
  note.pointer = "/x";
  note.context = "unknown property ignored";
  CHECK(json::parse(error_json(note, "debug").dump()) == json{{"level", "debug"},
                                                             {"msg", "a.json:/x: unknown property ignored"},
                                                             {"file", "a.json"},
                                                             {"pointer", "/x"},
                                                             {"context", "unknown property ignored"}});
}

TEST_CASE("error JSON stays valid for a file name that is not UTF-8") {
  Error e;
  e.file = "bad\xff.json";
  e.context = "expected y";
  auto j = json::parse(error_json(e, "error").dump());
  CHECK(j["file"] == "bad\xef\xbf\xbd.json");
}

TEST_CASE("--log-format json: one object a line in the log, with level, msg and time") {
  FileLog log(true, false);
  log_warn("a \"quoted\" warning");
  log_error(sys_error(ENOENT, "open x"));
  log_debug("not without --debug");
  auto lines = lines_of(log.file);
  REQUIRE(lines.size() == 2);
  auto w = json::parse(lines[0]);
  CHECK(w["level"] == "warning");
  CHECK(w["msg"] == "a \"quoted\" warning");
  CHECK(w["time"].get<std::string>().ends_with("Z"));
  CHECK(w.size() == 3);
  auto e = json::parse(lines[1]);
  CHECK(e["level"] == "error");
  CHECK(e["msg"] == "open x: No such file or directory");
  CHECK(e["errno"] == ENOENT);
}

TEST_CASE("--log-format text: TIME LEVEL MESSAGE lines, and debug ones only with --debug") {
  {
    FileLog quiet(false, false);
    log_debug("hidden");
    log_warn("shown");
    auto lines = lines_of(quiet.file);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].ends_with("Z warning shown"));
  }
  FileLog loud(false, true);
  log_debug("step one");
  auto lines = lines_of(loud.file);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with("Z debug step one"));
}
