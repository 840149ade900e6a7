// mini-runc on hostile input, through its front doors: config.json, network.json and
// --network FILE under validate, create and run; numbers out of range; hook paths that
// are relative or missing; ids that climb out of --root; a --root that is a symlink or
// writable by others. Each is exit status 1 with one line naming the file and JSON
// pointer, no crash, a bounded peak RSS (time is bounded by ctest's TIMEOUT), and the
// sandbox host and the state directory exactly as before.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

const std::string kId = "hostile";

// The commands that read a bundle, each given `extra` (e.g. --network FILE).
std::vector<std::vector<std::string>> bundle_commands(const std::string& bundle, const std::vector<std::string>& extra) {
  std::vector<std::vector<std::string>> out;
  for (const char* cmd : {"validate", "create", "run"}) {
    std::vector<std::string> args{cmd, "-b", bundle};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::string(cmd) != "validate") args.push_back(kId);
    out.push_back(std::move(args));
  }
  return out;
}

void check_door(RecoveryFixture& f, const std::string& file, const std::vector<std::string>& extra) {
  const std::string before = f.picture();
  for (const auto& doc : hostile_docs()) {
    for (const auto& args : bundle_commands(f.b.dir, extra)) {
      CAPTURE(doc.name);
      CAPTURE(args[0]);
      doc.make(file);
      auto line = f.refused(f.runc(args), before, kId);
      CHECK(line == "mini-runc: error: " + file + doc.says);
    }
  }
}

// config.json with `edit` applied to the fixture's bundle config.
void write_config(RecoveryFixture& f, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json c = f.b.config;
  edit(c);
  write_text(f.b.dir + "/config.json", c.dump(2));
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "hostile config.json under validate, create and run: one line, bounded, nothing changed") {
  write_full_spec();
  check_door(*this, b.dir + "/config.json", {});
}

TEST_CASE_FIXTURE(RecoveryFixture, "hostile network.json under validate, create and run: one line, bounded, nothing changed") {
  b.write();
  check_door(*this, b.dir + "/network.json", {});
}

TEST_CASE_FIXTURE(RecoveryFixture, "a hostile --network FILE under validate, create and run: one line, bounded, nothing changed") {
  b.write();
  std::string file = tmp.path() + "/given.json";
  check_door(*this, file, {"--network", file});
}

TEST_CASE_FIXTURE(RecoveryFixture, "megabyte strings within the size limit are refused in one short line") {
  b.write();
  const std::string before = picture();
  std::string huge(1000000, 'x');
  SUBCASE("as a device name in network.json") {
    write_text(b.dir + "/network.json", R"({"version": 1, "devices": [{"name": ")" + huge + R"(", "veth": {}}]})");
    for (const auto& args : bundle_commands(b.dir, {})) {
      CAPTURE(args[0]);
      auto line = refused(runc(args), before, kId);
      CHECK(line.starts_with("mini-runc: error: " + b.dir + "/network.json:/devices/0/name: "));
      CHECK(line.size() < 2048);
    }
  }
  SUBCASE("as a mount destination in config.json") {
    write_full_spec();
    write_config(*this, [&](nlohmann::json& c) {
      c["mounts"].push_back({{"destination", huge}, {"type", "tmpfs"}, {"source", "tmpfs"}});
    });
    const std::string ptr = "/mounts/" + std::to_string(b.config["mounts"].size());
    for (const auto& args : bundle_commands(b.dir, {})) {
      CAPTURE(args[0]);
      auto line = refused(runc(args), before, kId);
      CHECK(line.starts_with("mini-runc: error: " + b.dir + "/config.json:" + ptr + "/destination: "));
      CHECK(line.size() < 2048);
    }
  }
  SUBCASE("as a duplicate key in network.json") {
    std::string key(400000, 'k');
    write_text(b.dir + "/network.json", R"({"version": 1, ")" + key + R"(": 1, ")" + key + R"(": 2})");
    for (const auto& args : bundle_commands(b.dir, {})) {
      CAPTURE(args[0]);
      auto line = refused(runc(args), before, kId);
      CHECK(line.starts_with("mini-runc: error: " + b.dir + "/network.json:/kkkk"));
      CHECK(line.find("duplicate key \"kkkk") != std::string::npos);
      CHECK(line.size() < 2048);
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "numbers out of range for uid, gid and mtu are refused at their pointer") {
  const std::string before = picture();
  // JSON text, not json values: 2^64 and -1 must reach the parser as written.
  for (const char* n : {"-1", "4294967296", "18446744073709551616", "18446744073709551615", "1.5", "1e3"}) {
    CAPTURE(n);
    write_full_spec();
    for (std::string field : {"uid", "gid"}) {
      CAPTURE(field);
      nlohmann::json c = b.config;
      c["process"]["user"][field] = "@";
      std::string text = c.dump();
      text.replace(text.find("\"@\""), 3, n);
      write_text(b.dir + "/config.json", text);
      for (const auto& args : bundle_commands(b.dir, {})) {
        CAPTURE(args[0]);
        // 2^64 parses as a double, both too large and not an integer: still one line.
        auto line = refused(runc(args), before, kId);
        CHECK(line.starts_with("mini-runc: error: " + b.dir + "/config.json:/process/user/" + field + ": "));
      }
    }
    b.write();
    write_text(b.dir + "/network.json",
               std::string(R"({"version": 1, "devices": [{"name": "eth0", "veth": {}, "mtu": )") + n + "}]}");
    for (const auto& args : bundle_commands(b.dir, {})) {
      CAPTURE(args[0]);
      auto line = refused(runc(args), before, kId);
      CHECK(line.starts_with("mini-runc: error: " + b.dir + "/network.json:/devices/0/mtu: "));
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "invalid UTF-8 stays one valid JSON line on stderr and in a --log-format json log") {
  b.write();
  const std::string before = picture();
  hostile_docs()[5].make(b.dir + "/network.json");  // invalid UTF-8
  std::string log = tmp.path() + "/log.json";
  auto o = runc({"--log", log, "--log-format", "json", "create", "-b", b.dir, kId});
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  CHECK(picture() == before);
  CHECK_FALSE(has_state(kId));
  for (const auto& text : {o.err, read_all_file(log)}) {
    auto lines = lines_of(text);
    REQUIRE(lines.size() == 1);
    auto j = nlohmann::json::parse(lines[0]);
    CHECK(j["level"] == "error");
    CHECK(j["pointer"] == "/a/name");
    CHECK(j["msg"].get<std::string>().find("ill-formed UTF-8") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "hook paths that are relative or cannot be run are refused before anything is made") {
  write_full_spec();
  const std::string before = picture();
  std::string plain = tmp.path() + "/not-executable";
  write_text(plain, "#!/bin/sh\n");
  struct Case {
    std::string kind;
    std::string path;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"prestart", "bin/true", "expected an absolute path (got \"bin/true\")"},
      {"poststop", "true", "expected an absolute path (got \"true\")"},
      {"createRuntime", "/nonexistent/hook", "hook \"/nonexistent/hook\" cannot be run: No such file or directory"},
      // Found only at delete otherwise, when nothing can be refused any more.
      {"poststop", "/nonexistent/hook", "hook \"/nonexistent/hook\" cannot be run: No such file or directory"},
      {"createContainer", tmp.path(), "hook \"" + tmp.path() + "\" is not an executable file (a directory or device)"},
      {"poststart", plain, "hook \"" + plain + "\" cannot be run: Permission denied"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.kind);
    CAPTURE(c.path);
    write_config(*this, [&](nlohmann::json& cfg) { cfg["hooks"][c.kind] = {{{"path", c.path}}}; });
    for (const auto& args : bundle_commands(b.dir, {})) {
      CAPTURE(args[0]);
      auto line = refused(runc(args), before, kId);
      CHECK(line == "mini-runc: error: " + b.dir + "/config.json:/hooks/" + c.kind + "/0/path: " + c.says);
    }
  }
  // startContainer runs in the container, where its path resolves: not the host's to judge.
  write_config(*this, [&](nlohmann::json& cfg) { cfg["hooks"]["startContainer"] = {{{"path", "/in/the/rootfs"}}}; });
  auto o = runc({"validate", "-b", b.dir});
  INFO(o.err);
  CHECK(o.status == 0);
}

TEST_CASE_FIXTURE(RecoveryFixture, "ids with / or .. are refused by every command, and nothing is made outside --root") {
  b.write();
  write_full_spec();
  const std::string before = picture();
  for (const char* id : {"../escape", "a/b", "..", ".", "/abs", "x/../../escape"}) {
    CAPTURE(id);
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"create", "-b", b.dir, id}, {"run", "-b", b.dir, id}, {"start", id}, {"state", id},
             {"kill", id, "KILL"}, {"delete", "--force", id}, {"net", "show", id},
             {"net", "attach", id, "nic0"}, {"net", "detach", id, "eth0"}}) {
      CAPTURE(args[0]);
      auto o = runc(args);
      auto line = refused(o, before, kId);
      CHECK(line.starts_with(std::string("mini-runc: error: invalid container id \"") + id + "\": "));
    }
  }
  CHECK_FALSE(fs::exists(tmp.path() + "/escape"));
  CHECK_FALSE(fs::exists(runc.root()));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a --root that is a symlink, writable by others or someone else's is refused, nothing made") {
  b.write();
  write_full_spec();
  const std::string before = picture();
  std::string real = tmp.path() + "/real-root";
  REQUIRE(::mkdir(real.c_str(), 0700) == 0);
  std::string link = tmp.path() + "/link-root";
  fs::create_symlink(real, link);
  auto commands = [&] {
    return std::vector<std::vector<std::string>>{{"create", "-b", b.dir, kId}, {"run", "-b", b.dir, kId},
                                                 {"state", kId}, {"delete", "--force", kId}, {"list"}, {"cleanup"}};
  };
  auto check_root = [&](const std::string& root, const std::string& says) {
    Runc bad(sb, root);
    for (const auto& args : commands()) {
      CAPTURE(root);
      CAPTURE(args[0]);
      auto line = refused(bad(args), before, kId);
      CHECK(line == "mini-runc: error: --root " + root + says);
      CHECK(fs::is_empty(real));
    }
  };
  check_root(link, kRootSymlinkSays);
  check_root(link + "/", kRootSymlinkSays);
  for (mode_t mode : {0777, 01777, 0775}) {
    REQUIRE(::chmod(real.c_str(), mode) == 0);
    check_root(real, root_writable_says(mode));
  }
  REQUIRE(::chmod(real.c_str(), 0700) == 0);
  REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
  check_root(real, " is owned by uid 65534, neither this user nor root: Operation not permitted");
  // The same directory, once root's own and 0700 again, serves.
  REQUIRE(::chown(real.c_str(), 0, 0) == 0);
  kept_mounts.push_back(real);
  Runc good(sb, real);
  auto o = good({"run", "-b", b.dir, kId});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(settled_picture(before) == before);
}
