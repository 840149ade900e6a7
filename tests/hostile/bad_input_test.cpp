// Bad input in the network spec, end to end: a spec that would move the host's nic0 (with
// its address and route) and hang a veth on br0, broken in exactly one place per row, is
// refused by `create` and `run` with exit status 1 and one line naming the file, the JSON
// pointer and what was expected, before anything on the host is touched. Also: the same
// errors as JSON objects under --log-format json, validate's every problem at once, and
// the notes and warnings about config.json properties that are not applied.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"

using namespace mr::test;
using nlohmann::json;

namespace {

const std::string kId = "bad";

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
    write_text(file, spec.dump(2));
  };
}

std::vector<Row> rows() {
  return {
      {"malformed JSON",
       [](const std::string& file) { write_text(file, R"({"version": 1, "devices": [{"name": "eth0",}]})"); },
       "/devices/0",
       "malformed JSON: parse error at line 1, column 44: syntax error while parsing object key - unexpected '}'; "
       "expected string literal"},
      {"an unknown key", edited([](json& s) { s["devices"][1]["bridge"] = "br0"; }), "/devices/1/bridge",
       "unknown key \"bridge\" (expected one of: addresses, keepAddresses, mac, macvlan, move, mtu, name, up, veth)"},
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
       [](const std::string& file) { write_text(file, good_spec().dump() + std::string(16 << 20, ' ')); }, "",
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
  write_text(b.dir + "/network.json", good_spec().dump());
  auto o = runc({"create", "-b", b.dir, kId});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(host_state(sb.host()).find("master=br0") != std::string::npos);  // the veth's host end
  CHECK(runc({"delete", "--force", kId}).status == 0);
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
      auto line = refused(runc({cmd, "-b", b.dir, kId}), before, kId);
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
  auto o = runc({"--log", log, "--log-format", "json", "create", "-b", b.dir, kId});
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  CHECK(picture() == before);
  CHECK_FALSE(has_state(kId));
  auto err_lines = lines_of(o.err);
  auto log_lines = lines_of(read_all_file(log));
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
  write_text(b.dir + "/network.json", good_spec().dump());
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
  write_text(b.dir + "/network.json", good_spec().dump());
  const std::string config = b.dir + "/config.json";
  for (const char* debug : {"", "--debug"}) {
    CAPTURE(debug);
    std::vector<std::string> args{"run", "-b", b.dir, kId};
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
