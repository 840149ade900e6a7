// mini-runc on bad and hostile input, through its front doors (config.json, network.json
// and --network FILE under validate, create and run). Bad input: a spec that would move
// the host's nic0 (with its address and route) and hang a veth on br0, broken in exactly
// one place per row; the same errors as JSON objects under --log-format json, validate's
// every problem at once, and the notes and warnings about config.json properties that
// are not applied. Hostile input: documents past every bound, numbers out of range, hook
// paths that are relative or missing, ids that climb out of --root, a --root that is a
// symlink or writable by others. Each is exit status 1 with one line naming the file and
// JSON pointer and what was expected, no crash, a bounded peak RSS (time is bounded by
// ctest's TIMEOUT), and the sandbox host and the state directory exactly as before.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"

using namespace mr::test;
namespace fs = std::filesystem;
using nlohmann::json;

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
  write_file(f.b.dir + "/config.json", c.dump(2));
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
    write_file(b.dir + "/network.json", R"({"version": 1, "devices": [{"name": ")" + huge + R"(", "veth": {}}]})");
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
    write_file(b.dir + "/network.json", R"({"version": 1, ")" + key + R"(": 1, ")" + key + R"(": 2})");
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
      write_file(b.dir + "/config.json", text);
      for (const auto& args : bundle_commands(b.dir, {})) {
        CAPTURE(args[0]);
        // 2^64 parses as a double, both too large and not an integer: still one line.
        auto line = refused(runc(args), before, kId);
        CHECK(line.starts_with("mini-runc: error: " + b.dir + "/config.json:/process/user/" + field + ": "));
      }
    }
    b.write();
    write_file(b.dir + "/network.json",
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
  for (const auto& text : {o.err, read_file(log)}) {
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
  write_file(plain, "#!/bin/sh\n");
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
    RuntimeCli bad(sb, root);
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
  RuntimeCli good(sb, real);
  auto o = good({"run", "-b", b.dir, kId});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(settled_picture(before) == before);
}

namespace {

const std::string kBadId = "bad";

// Moves nic0 (192.0.2.10/24 and a route on the host) and hangs a veth on br0.
json good_spec() {
  return json::parse(R"({"version": 1,
    "devices": [
      {"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"], "mtu": 1400},
      {"name": "eth1", "veth": {"bridge": "br0"}, "addresses": ["10.4.0.2/24"]}],
    "routes": [{"to": "default", "via": "10.1.0.1"}],
    "sysctl": {"net.ipv4.ip_forward": "1"}})");
}

struct Row {
  std::string kind;
  // Writes the broken spec to the file.
  std::function<void(const std::string& file)> write;
  std::string pointer;
  std::string says;
};

// good_spec() with one edit.
std::function<void(const std::string&)> edited(std::function<void(json&)> edit) {
  return [edit](const std::string& file) {
    json spec = good_spec();
    edit(spec);
    write_file(file, spec.dump(2));
  };
}

std::vector<Row> rows() {
  return {
      {"malformed JSON",
       [](const std::string& file) { write_file(file, R"({"version": 1, "devices": [{"name": "eth0",}]})"); },
       "/devices/0",
       "malformed JSON: parse error at line 1, column 44: syntax error while parsing object key - unexpected '}'; "
       "expected string literal"},
      {"an unknown key", edited([](json& s) { s["devices"][1]["bridge"] = "br0"; }), "/devices/1/bridge",
       "unknown key \"bridge\" (expected one of: addresses, aliases, keepAddresses, mac, macvlan, move, mtu, name, network, up, veth)"},
      {"a wrong type", edited([](json& s) { s["devices"][0]["mtu"] = "1400"; }), "/devices/0/mtu",
       "expected an integer (got \"1400\")"},
      {"a value outside the enum", edited([](json& s) { s["version"] = 2; }), "/version",
       "expected one of: 1 (got 2)"},
      {"a bad CIDR", edited([](json& s) { s["devices"][1]["addresses"][0] = "10.4.0.300/24"; }),
       "/devices/1/addresses/0",
       "expected an address with prefix length such as 192.0.2.10/24 or 2001:db8::10/64 (got \"10.4.0.300/24\")"},
      {"a gateway outside every prefix", edited([](json& s) { s["routes"][0]["via"] = "10.99.0.1"; }), "/routes/0/via",
       "gateway 10.99.0.1 is outside every prefix of the container (add an address in its subnet, or set "
       "\"onlink\": true)"},
      {"a duplicate device name", edited([](json& s) { s["devices"][1]["name"] = "eth0"; }), "/devices/1/name",
       "duplicate device name \"eth0\" (first at FILE:/devices/0)"},
      {"a duplicate address", edited([](json& s) { s["devices"][1]["addresses"][0] = "10.1.0.2/16"; }),
       "/devices/1/addresses/0", "duplicate address 10.1.0.2"},
      {"a name over 15 bytes", edited([](json& s) { s["devices"][0]["name"] = "sixteen_bytes_xx"; }), "/devices/0/name",
       "interface name \"sixteen_bytes_xx\" is longer than 15 bytes"},
      {"a name with '/'", edited([](json& s) { s["devices"][0]["name"] = "eth/0"; }), "/devices/0/name",
       "interface name \"eth/0\" contains '/', ':', NUL or whitespace"},
      {"a name with whitespace", edited([](json& s) { s["devices"][1]["name"] = "eth 1"; }), "/devices/1/name",
       "interface name \"eth 1\" contains '/', ':', NUL or whitespace"},
      {"a missing host device", edited([](json& s) { s["devices"][0]["move"] = "nic9"; }), "/devices/0/move",
       "host device \"nic9\" does not exist"},
      {"a missing bridge", edited([](json& s) { s["devices"][1]["veth"]["bridge"] = "br9"; }), "/devices/1/veth/bridge",
       "host bridge \"br9\" does not exist"},
      {"a sysctl outside net.*", edited([](json& s) { s["sysctl"]["kernel.shmmax"] = "1"; }), "/sysctl/kernel.shmmax",
       "only net.* sysctls belong in a network spec (got \"kernel.shmmax\")"},
      {"an oversized file",
       [](const std::string& file) { write_file(file, good_spec().dump() + std::string(16 << 20, ' ')); }, "",
       "file larger than the limit of 16777216 bytes"},
  };
}

// "FILE:POINTER: SAYS", with FILE standing for the spec's path in `says` too.
std::string expected_line(const Row& row, const std::string& file) {
  std::string says = row.says;
  if (auto at = says.find("FILE"); at != std::string::npos) says.replace(at, 4, file);
  return "mini-runc: error: " + file + (row.pointer.empty() ? "" : ":" + row.pointer) + ": " + says;
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "the good spec moves nic0 and hangs a veth on br0: what each bad row would have done") {
  b.write();
  const std::string before = picture();
  write_file(b.dir + "/network.json", good_spec().dump());
  auto o = runc({"create", "-b", b.dir, kBadId});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(host_state(sb.host()).find("master=br0") != std::string::npos);  // the veth's host end
  CHECK(runc({"delete", "--force", kBadId}).status == 0);
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(RecoveryFixture, "a network spec broken in one place is refused by create and run, the host unchanged") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  for (const auto& row : rows()) {
    for (std::string cmd : {"create", "run"}) {
      CAPTURE(row.kind);
      CAPTURE(cmd);
      row.write(file);
      auto line = refused(runc({cmd, "-b", b.dir, kBadId}), before, kBadId);
      CHECK(line == expected_line(row, file));
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "--log-format json prints the error as one JSON object with file and pointer") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  edited([](json& s) { s["devices"][1]["addresses"][0] = "10.4.0.300/24"; })(file);
  const std::string log = tmp.path() + "/log.json";
  auto o = runc({"--log", log, "--log-format", "json", "create", "-b", b.dir, kBadId});
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  CHECK(picture() == before);
  CHECK_FALSE(has_state(kBadId));
  auto err_lines = lines_of(o.err);
  auto log_lines = lines_of(read_file(log));
  REQUIRE(err_lines.size() == 1);
  REQUIRE(log_lines.size() == 1);
  for (const auto& line : {err_lines[0], log_lines[0]}) {
    auto j = json::parse(line);
    CHECK(j["level"] == "error");
    CHECK(j["file"] == file);
    CHECK(j["pointer"] == "/devices/1/addresses/0");
    CHECK(j["msg"] == file + ":/devices/1/addresses/0: expected an address with prefix length such as 192.0.2.10/24 "
                             "or 2001:db8::10/64 (got \"10.4.0.300/24\")");
    CHECK(j["time"].is_string());
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "validate reports a bad gateway, a missing bridge and a missing device together") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  edited([](json& s) {
    s["routes"][0]["via"] = "10.99.0.1";
    s["devices"][0]["move"] = "nic9";
    s["devices"][1]["veth"]["bridge"] = "br9";
  })(file);
  auto o = runc({"validate", "-b", b.dir});
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  auto lines = lines_of(o.err);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "mini-runc: error: " + file +
                        ":/routes/0/via: gateway 10.99.0.1 is outside every prefix of the container (add an address "
                        "in its subnet, or set \"onlink\": true)");
  CHECK(lines[1] == "mini-runc: error: " + file + ":/devices/0/move: host device \"nic9\" does not exist");
  CHECK(lines[2] == "mini-runc: error: " + file + ":/devices/1/veth/bridge: host bridge \"br9\" does not exist");
  CHECK(picture() == before);
}

TEST_CASE_FIXTURE(RecoveryFixture, "an unknown config.json property is a note under --debug only") {
  b.config["bogusTop"] = 1;
  b.config["process"]["bogusInProcess"] = true;
  b.write();
  write_file(b.dir + "/network.json", good_spec().dump());
  const std::string config = b.dir + "/config.json";
  auto quiet = runc({"validate", "-b", b.dir});
  INFO("stderr: " << quiet.err);
  CHECK(quiet.status == 0);
  CHECK(quiet.err.empty());
  auto debug = runc({"--debug", "validate", "-b", b.dir});
  INFO("stderr: " << debug.err);
  CHECK(debug.status == 0);
  auto lines = lines_of(debug.err);
  CHECK(std::count(lines.begin(), lines.end(), "mini-runc: debug: " + config + ":/bogusTop: unknown property ignored") ==
        1);
  CHECK(std::count(lines.begin(), lines.end(),
                   "mini-runc: debug: " + config + ":/process/bogusInProcess: unknown property ignored") == 1);
}

TEST_CASE_FIXTURE(RecoveryFixture, "newer runtime-spec fields that change what runs are one warning each, not a note") {
  b.config["process"]["scheduler"] = {{"policy", "SCHED_FIFO"}, {"priority", 10}};
  b.config["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_RT"}, {"priority", 0}};
  b.config["process"]["execCPUAffinity"] = {{"initial", "0"}};
  b.config["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}};
  b.write();
  write_file(b.dir + "/network.json", good_spec().dump());
  const std::string config = b.dir + "/config.json";
  for (const char* debug : {"", "--debug"}) {
    CAPTURE(debug);
    std::vector<std::string> args{"run", "-b", b.dir, kBadId};
    if (*debug) args.insert(args.begin(), debug);
    auto o = runc(args);
    INFO("stderr: " << o.err);
    CHECK(o.status == 0);
    auto lines = lines_of(o.err);
    std::vector<std::string> warnings;
    for (const auto& l : lines)
      if (l.starts_with("mini-runc: warning: ")) warnings.push_back(l);
    CHECK(warnings == std::vector<std::string>{
                          "mini-runc: warning: " + config +
                              ":/process/scheduler: a scheduling policy is not applied; the process runs with the "
                              "default one",
                          "mini-runc: warning: " + config +
                              ":/process/ioPriority: an I/O priority is not applied; the process runs with the default one",
                          "mini-runc: warning: " + config +
                              ":/process/execCPUAffinity: a CPU affinity is not applied; the process may run on any CPU",
                          "mini-runc: warning: " + config +
                              ":/linux/memoryPolicy: a NUMA memory policy is not applied; the process runs with the "
                              "default one",
                      });
    CHECK(o.err.find("unknown property") == std::string::npos);
  }
}
