// oci/json_input on hostile input: nesting far past any config, files that are not
// files, sizes past the limit, megabyte strings, bytes that are not UTF-8, numbers out
// of range. Each is an error naming the file (and the JSON pointer where there is
// one), never a crash or a hang; the state-root and hook-path checks that need no root.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/state_root.hpp"
#include "oci/hook_check.hpp"
#include "oci/json_input.hpp"
#include "oci/state.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string nested(size_t depth, std::string_view open, std::string_view close) {
  std::string text;
  text.reserve(depth * (open.size() + close.size()));
  for (size_t i = 0; i < depth; ++i) text += open;
  for (size_t i = 0; i < depth; ++i) text += close;
  return text;
}

std::string repeat(std::string_view part, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += part;
  return out;
}

std::string error_of(std::string_view text, const std::string& file = "in.json") {
  auto r = parse_json(text, file);
  REQUIRE_FALSE(r.has_value());
  return r.error().message();
}

}  // namespace

TEST_CASE("100,000 nested arrays or objects stop at the depth limit, naming where") {
  std::string limit = "nested deeper than the limit of " + std::to_string(kMaxJsonDepth) + " levels";
  CHECK(error_of(nested(100000, "[", "]")) == "in.json:" + repeat("/0", kMaxJsonDepth) + ": " + limit);
  CHECK(error_of(nested(100000, R"({"a":)", "}")).starts_with("in.json:" + repeat("/a", kMaxJsonDepth) + ": "));
  // Unclosed: refused by depth before the end of input is noticed.
  CHECK(error_of(std::string(100000, '[')).ends_with(limit));
  // Behind a valid prefix, at the pointer of the deep value (the object and /devices
  // are two of the levels).
  CHECK(error_of(R"({"devices": [1, )" + nested(100000, "[", "]") + "]}") ==
        "in.json:/devices/1" + repeat("/0", kMaxJsonDepth - 2) + ": " + limit);
}

TEST_CASE("nesting up to the depth limit parses, one level more does not") {
  CHECK(parse_json(nested(kMaxJsonDepth, "[", "]"), "in.json").has_value());
  CHECK_FALSE(parse_json(nested(kMaxJsonDepth + 1, "[", "]"), "in.json").has_value());
}

TEST_CASE("a document of as many values as the limit parses, one more is refused where it stops") {
  auto array_of = [](size_t n, const std::string& item) {
    std::string text = "[";
    for (size_t i = 0; i < n; ++i) text += (i ? "," : "") + item;
    return text + "]";
  };
  std::string limit = "more than the limit of " + std::to_string(kMaxJsonValues) + " values";
  // The array is a value too.
  CHECK(parse_json(array_of(kMaxJsonValues - 1, "0"), "in.json").has_value());
  CHECK(error_of(array_of(kMaxJsonValues, "0")) == "in.json:/" + std::to_string(kMaxJsonValues - 1) + ": " + limit);
  // Empty objects count as much as numbers: the root, "a" and 399,998 of them.
  CHECK(error_of(R"({"a": )" + array_of(kMaxJsonValues, "{}") + "}") ==
        "in.json:/a/" + std::to_string(kMaxJsonValues - 2) + ": " + limit);
}

TEST_CASE("a megabyte string within the size limit parses, and messages quoting it stay short") {
  std::string huge(kMaxInputBytes - 16, 'x');
  auto doc = parse_json(R"({"s": ")" + huge + R"("})", "in.json");
  REQUIRE(doc.has_value());
  CHECK(doc->at("s").get<std::string>().size() == huge.size());
  CHECK(brief(doc->at("s")).size() <= 64);
  // A duplicate megabyte key: pointer and text cut to kMaxMessagePart each.
  std::string key(kMaxInputBytes / 2 - 32, 'k');
  auto line = error_of(R"({")" + key + R"(": 1, ")" + key + R"(": 2})");
  CHECK(line.size() < 3 * kMaxMessagePart);
  CHECK(line.starts_with("in.json:/kkkk"));
  CHECK(line.find("duplicate key \"kkkk") != std::string::npos);
}

TEST_CASE("text over the size limit is refused before parsing") {
  std::string text(kMaxInputBytes + 1, ' ');
  CHECK(error_of(text) == "in.json: input larger than the limit of 16777216 bytes");
}

TEST_CASE("invalid UTF-8, duplicate keys and numbers past double range are errors at their pointer") {
  CHECK(error_of("{\"hostname\": \"a\xff\"}").starts_with("in.json:/hostname: malformed JSON: "));
  CHECK(error_of("{\"hostname\": \"a\xff\"}").find("ill-formed UTF-8") != std::string::npos);
  // An overlong encoding of '/' and a lone surrogate half.
  CHECK(error_of("{\"a\": \"\xc0\xaf\"}").find("ill-formed UTF-8") != std::string::npos);
  CHECK(error_of(R"({"a": "\ud800"})").find("surrogate") != std::string::npos);
  CHECK(error_of(R"({"a": 1, "b": {"c": 1, "c": 2}})") == "in.json:/b/c: duplicate key \"c\"");
  CHECK(error_of(R"({"mtu": 1e400})").starts_with("in.json:/mtu: malformed JSON: number overflow"));
  CHECK(error_of(R"({"mtu": -1e400})").starts_with("in.json:/mtu: malformed JSON: number overflow"));
}

TEST_CASE("the OCI state refuses ids that climb out of the root and pids out of range") {
  auto state_error = [](const std::string& id_json, const std::string& pid_json) {
    auto r = parse_state(R"({"ociVersion": "1.0.2", "id": )" + id_json + R"(, "status": "created", "pid": )" +
                             pid_json + "}",
                         "stdin");
    REQUIRE_FALSE(r.has_value());
    return r.error().message();
  };
  for (const char* id : {R"("../escape")", R"("a/b")", R"("..")", R"(".")", R"("/abs")", R"("")"}) {
    CAPTURE(id);
    CHECK(state_error(id, "1").starts_with("stdin:/id: invalid container id"));
  }
  CHECK(state_error('"' + std::string(kMaxInputBytes - 200, 'i') + '"', "1").size() < 300);
  for (const char* pid : {"-1", "1.5", "18446744073709551616", "18446744073709551615", "2147483648", "\"7\""}) {
    CAPTURE(pid);
    CHECK(state_error(R"("ok")", pid).starts_with("stdin:/pid: expected a process id, got "));
  }
  CHECK(state_error(R"("ok")", "1e400").starts_with("stdin:/pid: malformed JSON: number overflow"));
}

TEST_CASE("read_input_file refuses a FIFO, a device and a directory without reading them") {
  TempDir dir;
  std::string fifo = dir.path() + "/fifo.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // No writer ever opens the FIFO: a blocking open() would never return (ctest's timeout).
  for (const std::string& path : {fifo, std::string("/dev/zero"), std::string("/dev/null"), dir.path()}) {
    CAPTURE(path);
    auto r = read_input_file(path);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message() == path + ": expected a regular file (a FIFO, device or directory is not read)");
  }
}

TEST_CASE("read_input_file reads at most one byte past the limit of a 64 MiB file") {
  TempDir dir;
  std::string path = dir.path() + "/huge.json";
  dir.write("huge.json", "{\"a\": \"");
  REQUIRE(::truncate(path.c_str(), off_t{64} << 20) == 0);  // sparse: costs no disk
  auto r = read_input_file(path);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message() == path + ": file larger than the limit of 16777216 bytes");
  std::string exact = dir.write("exact.json", std::string(kMaxInputBytes, ' '));
  CHECK(read_input_file(exact).has_value());
}

TEST_CASE("a state root that is a symlink or writable by others is refused, a missing one passes") {
  TempDir dir;
  std::string real = dir.path() + "/real";
  REQUIRE(::mkdir(real.c_str(), 0700) == 0);
  CHECK(mr::check_state_root(real).has_value());
  CHECK(mr::check_state_root(dir.path() + "/not-yet").has_value());

  std::string link = dir.path() + "/link";
  fs::create_symlink(real, link);
  for (const std::string& path : {link, link + "/", link + "//"}) {
    auto r = mr::check_state_root(path);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message() == "--root " + path +
                                     " is a symlink; give the directory itself, which only its owner may write: "
                                     "Operation not permitted");
  }
  for (mode_t mode : {0777, 01777, 0770, 0702}) {
    CAPTURE(mode);
    REQUIRE(::chmod(real.c_str(), mode) == 0);
    auto r = mr::check_state_root(real, "--state");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().starts_with("--state " + real + " is writable by others than its owner (mode "));
  }
  std::string file = dir.write("file", "");
  CHECK(mr::check_state_root(file).error().message() == "--root " + file + ": Not a directory");
  CHECK_FALSE(mr::check_state_root("").has_value());
}

TEST_CASE("hooks run from the host must name an executable file there, startContainer's are the container's") {
  TempDir dir;
  std::string plain = dir.write("plain", "#!/bin/sh\n");
  REQUIRE(::chmod(plain.c_str(), 0644) == 0);
  Hooks hooks;
  hooks.prestart = {{.path = "/bin/true"}, {.path = dir.path() + "/missing"}};
  hooks.create_runtime = {{.path = dir.path()}};
  hooks.create_container = {{.path = plain}};
  hooks.poststart = {{.path = "relative/hook"}};  // the config loader's to refuse
  hooks.poststop = {{.path = dir.path() + "/gone"}};
  hooks.start_container = {{.path = "/only/in/the/container"}};
  auto problems = check_hook_paths(hooks, "b/config.json");
  std::vector<std::string> lines;
  for (const auto& e : problems) lines.push_back(e.message());
  CHECK(lines == std::vector<std::string>{
                     "b/config.json:/hooks/prestart/1/path: hook \"" + dir.path() +
                         "/missing\" cannot be run: No such file or directory",
                     "b/config.json:/hooks/createRuntime/0/path: hook \"" + dir.path() +
                         "\" is not an executable file (a directory or device)",
                     "b/config.json:/hooks/createContainer/0/path: hook \"" + plain +
                         "\" cannot be run: Permission denied",
                     "b/config.json:/hooks/poststop/0/path: hook \"" + dir.path() +
                         "/gone\" cannot be run: No such file or directory",
                 });
}
