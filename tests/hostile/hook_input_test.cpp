// netns-hook on bad and hostile input, through its front doors: the OCI state on stdin
// (not JSON, without a pid, a pid that is gone; nested 100,000 deep, endless, huge, not
// UTF-8, duplicate keys, numbers out of range, ids that climb out of --root), the
// bundle's config.json and network.json, --network FILE, and a --root that is a symlink
// or writable by others. Each is exit status 1 with one line on stderr naming the file,
// the JSON pointer and what is wrong, no crash, a bounded peak RSS, and the host and
// container as they were.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "support/hook_helpers.hpp"
#include "support/hostile_docs.hpp"
#include "oci/container_id.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

const std::string kId = "hostile";

// The refusal contract; returns the one line.
std::string refused(HookHost& sb, const HookBundle& b, const RunResult& r, pid_t ctr) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err_lines().size() == 1);
  CHECK(r.err.starts_with("netns-hook: error: "));
  CHECK_MESSAGE(r.max_rss_kib < max_refusal_rss_kib(), "peak RSS " << r.max_rss_kib << " KiB");
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(fs::exists(b.state_dir(kId)));
  auto inside = container_space(ctr);
  CHECK(link_names(inside) == std::vector<std::string>{"lo"});
  auto lines = r.err_lines();
  return lines.empty() ? "" : lines[0];
}

RunResult hook_with_stdin_fd(HookHost& sb, const HookBundle& b, int fd) {
  return run_program({MR_NETNS_HOOK, "--root", b.root}, {}, {.net = &sb.host().ns, .stdin_fd = fd});
}

}  // namespace

TEST_CASE("netns-hook refuses hostile documents as its bundle's config.json, network.json and --network FILE") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  const std::string state = oci_state(kId, "created", ctr.pid(), b.path());
  const std::string config_text = read_file(b.dir.file("config.json"));
  const std::string network_text = read_file(b.dir.file("network.json"));
  struct Door {
    std::string file;
    std::vector<std::string> args;
  };
  for (const Door& door : {Door{b.dir.file("config.json"), {}}, Door{b.dir.file("network.json"), {}},
                           Door{b.dir.file("given.json"), {"--network", "given.json"}}}) {
    for (const auto& doc : hostile_docs()) {
      CAPTURE(door.file);
      CAPTURE(doc.name);
      write_file(b.dir.file("config.json"), config_text);
      write_file(b.dir.file("network.json"), network_text);
      doc.make(door.file);
      auto line = refused(sb, b, run_hook(sb, b, door.args, state), ctr.pid());
      CHECK(line == "netns-hook: error: " + door.file + doc.says);
    }
  }
}

TEST_CASE("netns-hook refuses a hostile OCI state on stdin") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  const std::string pid = std::to_string(ctr.pid());
  const std::string head = R"({"ociVersion": "1.0.2", "status": "created", "bundle": ")" + b.path() + R"(", )";
  struct Case {
    std::string name;
    std::string state;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"100,000 nested arrays", head + R"("id": "x", "pid": )" + pid + ", \"a\": " + std::string(kDeep, '[') +
                                    std::string(kDeep, ']') + "}",
       "stdin:/a" + repeat("/0", 63) + ": nested deeper than the limit of 64 levels"},
      {"invalid UTF-8", R"({"id": "x)" "\xff" R"(", "ociVersion": "1.0.2", "status": "created"})",
       "stdin:/id: malformed JSON: parse error at line 1, column 10: syntax error while parsing value - invalid "
       "string: ill-formed UTF-8 byte"},
      {"a duplicate id", head + R"("id": "x", "id": "y", "pid": )" + pid + "}", "stdin:/id: duplicate key \"id\""},
      {"a pid past double range", head + R"("id": "x", "pid": 1e400})",
       "stdin:/pid: malformed JSON: number overflow parsing '1e400'"},
      {"a pid of 2^64", head + R"("id": "x", "pid": 18446744073709551616})",
       "stdin:/pid: expected a process id, got 1.8446744073709552e+19"},
      {"a pid of -1", head + R"("id": "x", "pid": -1})", "stdin:/pid: expected a process id, got -1"},
      {"a fractional pid", head + R"("id": "x", "pid": 1.5})", "stdin:/pid: expected a process id, got 1.5"},
      {"a megabyte id", head + "\"id\": \"" + std::string(1000000, 'i') + "\", \"pid\": " + pid + "}",
       "stdin:/id: invalid container id \"" + std::string(64, 'i') + "\": longer than " +
           std::to_string(mr::oci::kMaxIdLength) + " characters"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto line = refused(sb, b, run_hook(sb, b, {}, c.state), ctr.pid());
    CHECK(line.starts_with("netns-hook: error: " + c.says));
    CHECK(line.size() < 2048);
  }
  SUBCASE("an endless stdin (/dev/zero) and a 256 MiB one stop at the size limit") {
    mr::UniqueFd zero(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
    REQUIRE(zero);
    const std::string says = "netns-hook: error: stdin: the OCI state is larger than 16777216 bytes: File too large";
    CHECK(refused(sb, b, hook_with_stdin_fd(sb, b, zero.get()), ctr.pid()) == says);
    std::string huge = b.dir.file("huge-state");
    write_file(huge, head);
    REQUIRE(::truncate(huge.c_str(), off_t{256} << 20) == 0);
    mr::UniqueFd fd(::open(huge.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    CHECK(refused(sb, b, hook_with_stdin_fd(sb, b, fd.get()), ctr.pid()) == says);
    fs::remove(huge);
  }
}

TEST_CASE("netns-hook refuses ids with / or .. in configure and undo, and touches nothing outside --root") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  // What an undo of "../victim" would find and take apart: a directory beside the root.
  std::string victim = b.dir.file("victim");
  fs::create_directories(victim);
  write_file(victim + "/journal", "");
  for (const char* id : {"../victim", "a/b", "..", ".", "/abs", "x/../../victim"}) {
    for (const char* status : {"created", "stopped"}) {
      CAPTURE(id);
      CAPTURE(status);
      auto r = run_hook(sb, b, {}, oci_state(id, status, ctr.pid(), b.path()));
      auto line = refused(sb, b, r, ctr.pid());
      CHECK(line.starts_with(std::string("netns-hook: error: stdin:/id: invalid container id \"") + id + "\": "));
    }
  }
  CHECK(fs::exists(victim + "/journal"));
  CHECK_FALSE(fs::exists(b.root));
}

TEST_CASE("netns-hook refuses a --root that is a symlink or writable by others, and configures nothing") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  std::string real = b.dir.file("real-root");
  REQUIRE(::mkdir(real.c_str(), 0700) == 0);
  std::string link = b.dir.file("link-root");
  fs::create_symlink(real, link);
  const std::string state = oci_state(kId, "created", ctr.pid(), b.path());
  auto check_root = [&](const std::string& root, const std::string& says) {
    for (const char* status : {"created", "stopped"}) {
      CAPTURE(root);
      CAPTURE(status);
      auto r = run_program({MR_NETNS_HOOK, "--root", root}, oci_state(kId, status, ctr.pid(), b.path()),
                           {.net = &sb.host().ns});
      CHECK(refused(sb, b, r, ctr.pid()) == "netns-hook: error: --root " + root + says);
      CHECK(fs::is_empty(real));
    }
  };
  check_root(link, kRootSymlinkSays);
  for (mode_t mode : {0777, 01777}) {
    REQUIRE(::chmod(real.c_str(), mode) == 0);
    check_root(real, root_writable_says(mode));
  }
  // The same directory, 0700 again, serves: the spec is applied and undone.
  REQUIRE(::chmod(real.c_str(), 0700) == 0);
  auto r = run_program({MR_NETNS_HOOK, "--root", real}, state, {.net = &sb.host().ns});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  check_configured(sb, ctr.pid(), kId);
  auto undo = run_program({MR_NETNS_HOOK, "--root", real}, oci_state(kId, "stopped", ctr.pid(), b.path()),
                          {.net = &sb.host().ns});
  CHECK(undo.exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

namespace {

const std::string kBadId = "bad-ctr";

// Runs a configure that must fail and checks the contract; returns the one line.
std::string refused(HookHost& sb, const HookBundle& b, const std::string& state) {
  auto r = run_hook(sb, b, {}, state);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err_lines().size() == 1);
  CHECK(r.err.starts_with("netns-hook: error: "));
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kBadId)));
  return r.err;
}

bool says(const std::string& line, std::initializer_list<const char*> parts) {
  for (const char* p : parts)
    if (line.find(p) == std::string::npos) return false;
  return true;
}

}  // namespace

TEST_CASE("netns-hook refuses a state that is not JSON") {
  HookHost sb;
  HookBundle b;
  auto line = refused(sb, b, R"({"ociVersion": "1.0.2", "id": )");
  CHECK_MESSAGE(says(line, {"stdin:", "malformed JSON", "unexpected end of input"}), line);
}

TEST_CASE("netns-hook refuses to configure from a state without a pid") {
  HookHost sb;
  HookBundle b;
  auto line = refused(sb, b, oci_state(kBadId, "created", 0, b.path()));
  CHECK_MESSAGE(says(line, {"stdin:/pid: ", "pid"}), line);
}

TEST_CASE("netns-hook refuses a pid whose process is gone") {
  HookHost sb;
  HookBundle b;
  pid_t gone = reaped_pid();
  auto line = refused(sb, b, oci_state(kBadId, "created", gone, b.path()));
  auto gone_text = "process " + std::to_string(gone) + " is gone";
  CHECK_MESSAGE(says(line, {"stdin:/pid: ", gone_text.c_str(), "No such file or directory"}), line);
}

TEST_CASE("netns-hook refuses a spec that moves a device the host lacks") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  StandInContainer ctr;
  auto line = refused(sb, b, oci_state(kBadId, "created", ctr.pid(), b.path()));
  CHECK_MESSAGE(says(line, {"network.json", "/devices/0/move", "nic9"}), line);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"lo"});
}

TEST_CASE("netns-hook refuses a veth on a bridge that does not exist") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [
    {"name": "eth0", "move": "nic0"},
    {"name": "eth1", "veth": {"bridge": "no-br"}}]})");
  StandInContainer ctr;
  auto line = refused(sb, b, oci_state(kBadId, "created", ctr.pid(), b.path()));
  CHECK_MESSAGE(says(line, {"network.json", "/devices/1/veth/bridge", "no-br"}), line);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"lo"});
}

TEST_CASE("netns-hook refuses a --network spec in one line, though it also ignores network.json") {
  HookHost sb;
  HookBundle b;  // network.json is valid; --network wins over it, with a warning when used
  write_file(b.dir.file("other.json"), R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  StandInContainer ctr;
  auto r = run_hook(sb, b, {"--network", "other.json"}, oci_state(kBadId, "created", ctr.pid(), b.path()));
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err_lines().size() == 1);
  CHECK(says(r.err, {"other.json", "/devices/0/move", "nic9"}));
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook --log-format json reports bad input as one JSON object") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  StandInContainer ctr;
  auto r = run_hook(sb, b, {"--log-format", "json"}, oci_state(kBadId, "created", ctr.pid(), b.path()));
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  REQUIRE(r.err_lines().size() == 1);
  auto e = nlohmann::json::parse(r.err);
  CHECK(e["level"] == "error");
  CHECK(e["file"] == b.dir.file("network.json"));
  CHECK(e["pointer"] == "/devices/0/move");
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}
