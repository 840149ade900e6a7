#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::has_problem_at;
using mr::test::messages;
using mr::test::TempDir;
using nlohmann::json;

namespace {

ConfigCheck check(const json& doc, Diagnostics& diag) { return check_config(doc.dump(), "config.json", diag); }

ConfigCheck check(const json& doc) {
  Diagnostics diag;
  return check(doc, diag);
}


}  // namespace

TEST_CASE("the default config validates and reads back as written") {
  Diagnostics diag;
  auto c = check(default_config(), diag);
  INFO(messages(c));
  REQUIRE(c.config);
  CHECK(diag.warnings.empty());
  CHECK(diag.notes.empty());
  CHECK(c.config->process.args == std::vector<std::string>{"sh"});
  CHECK_FALSE(c.config->process.terminal);
  CHECK(c.config->root.path == "rootfs");
  CHECK(c.config->hostname == "mini-runc");
  auto& ns = c.config->linux.namespaces;
  CHECK(std::count_if(ns.begin(), ns.end(), [](auto& n) { return n.type == "network" && n.path.empty(); }) == 1);
  CHECK(c.config->mounts.size() == 6);
  CHECK(c.config->process.rlimits.at(0).type == "RLIMIT_NOFILE");
}

TEST_CASE("load_config reads config.json from the bundle directory") {
  TempDir bundle;
  json doc = default_config();
  doc["process"]["user"] = {{"uid", 1000}, {"gid", 100}, {"additionalGids", {5, 6}}};
  doc["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  doc["linux"]["namespaces"][1]["path"] = "/proc/1/ns/net";
  doc["annotations"] = {{"org.mini-runc.network", "net.json"}};
  doc["hooks"] = {{"createRuntime", {{{"path", "/bin/true"}, {"args", {"true"}}, {"timeout", 5}}}}};
  doc["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "100"}};
  bundle.write("config.json", doc.dump());
  Diagnostics diag;
  auto c = load_config(bundle.path(), diag);
  REQUIRE_MESSAGE(c, c.error().message());
  CHECK(c->process.user.uid == 1000);
  CHECK(c->process.user.additional_gids == std::vector<uint32_t>{5, 6});
  CHECK(c->linux.namespaces.at(1).path == "/proc/1/ns/net");
  CHECK(c->annotations.at("org.mini-runc.network") == "net.json");
  REQUIRE(c->hooks.create_runtime.size() == 1);
  CHECK(c->hooks.create_runtime[0].timeout == 5);
  CHECK(c->linux.sysctl.at("kernel.shmmax") == "100");
}

TEST_CASE("a missing config.json names the file") {
  TempDir bundle;
  Diagnostics diag;
  auto c = load_config(bundle.path(), diag);
  REQUIRE_FALSE(c);
  CHECK(c.error().message() == "open " + bundle.path() + "/config.json: No such file or directory");
}

TEST_CASE("schema violations name the pointer and what was expected") {
  json doc = default_config();
  doc["process"]["user"]["uid"] = "root";
  auto c = check(doc);
  REQUIRE_FALSE(c.config);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() ==
        "config.json:/process/user/uid: expected an integer (got \"root\")");
}

TEST_CASE("every problem is reported, not just the first") {
  json doc = default_config();
  doc["process"]["cwd"] = 5;
  doc["mounts"][0].erase("destination");
  doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"mkdirr"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  auto c = check(doc);
  INFO(messages(c));
  CHECK(has_problem_at(c, "/process/cwd"));
  CHECK(has_problem_at(c, "/mounts/0"));
  CHECK(has_problem_at(c, "/linux/seccomp/syscalls/0/names/0"));
}

TEST_CASE("fields that would weaken isolation if ignored are errors naming them") {
  for (auto [ptr, value] : std::vector<std::pair<std::string, json>>{
           {"/linux/uidMappings", json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}})},
           {"/linux/gidMappings", json::array({{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}})},
           {"/process/apparmorProfile", "docker-default"},
           {"/process/selinuxLabel", "system_u:system_r:container_t:s0"},
       }) {
    json doc = default_config();
    doc[json::json_pointer(ptr)] = value;
    auto c = check(doc);
    INFO(ptr);
    CHECK_FALSE(c.config);
    CHECK(has_problem_at(c, ptr));
  }
}

TEST_CASE("read for the network only (netns-hook), what the runtime running the container implements is no problem") {
  json doc = default_config();
  doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}};
  doc["linux"]["devices"] = json::array({{{"path", "/dev/null"}, {"type", "c"}, {"major", 1}, {"minor", 3}}});
  doc["linux"]["namespaces"].push_back({{"type", "user"}});
  doc["linux"]["resources"] = {{"pids", {{"limit", 100}}}};
  doc["annotations"] = {{"org.mini-runc.network", "net.json"}};
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag, ConfigUse::network);
  INFO(messages(c));
  REQUIRE(c.config);
  CHECK(c.config->annotations.at("org.mini-runc.network") == "net.json");
  CHECK(diag.warnings.empty());  // no "resource limits are not applied": runc applies them
  // The network's own rules still hold: a host sysctl stays refused.
  doc["linux"]["sysctl"] = {{"kernel.panic", "1"}};
  CHECK(has_problem_at(check_config(doc.dump(), "config.json", diag, ConfigUse::network), "/linux/sysctl/kernel.panic"));
}

TEST_CASE("read for the network only, only the network's part is checked, its mistakes still are") {
  json doc = default_config();
  doc["process"]["args"] = 5;  // runc's to refuse, not the hook's
  doc.erase("root");
  doc["mounts"] = "none";
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag, ConfigUse::network);
  INFO(messages(c));
  REQUIRE(c.config);
  CHECK(has_problem_at(check(doc), "/process/args"));  // for mini-runc itself, a problem

  for (auto [pointer, value] : std::initializer_list<std::pair<const char*, json>>{
           {"/annotations", {{"org.mini-runc.network", 5}}},
           {"/linux/namespaces/0/type", "bogus"},
           {"/linux/netDevices", {{"eth0", {{"name", 7}}}}},
           {"/linux/sysctl", {{"net.ipv4.ip_forward", 1}}},
           {"/linux", "none"}}) {
    json bad = doc;
    bad[json::json_pointer(pointer)] = value;
    CAPTURE(pointer);
    auto b = check_config(bad.dump(), "config.json", diag, ConfigUse::network);
    CHECK_FALSE(b.config);
    CHECK_FALSE(b.problems.empty());
  }
}

TEST_CASE("an unknown namespace type is an error") {
  json doc = default_config();
  doc["linux"]["namespaces"].push_back({{"type", "time"}});
  auto c = check(doc);
  INFO(messages(c));
  CHECK(has_problem_at(c, "/linux/namespaces/5/type"));
}

TEST_CASE("duplicate namespace types are an error") {
  json doc = default_config();
  doc["linux"]["namespaces"].push_back({{"type", "network"}});
  auto c = check(doc);
  CHECK(has_problem_at(c, "/linux/namespaces/5/type"));
}

TEST_CASE("linux.resources is kept for the cgroup manager without a warning") {
  json doc = default_config();
  doc["linux"]["resources"] = {{"memory", {{"limit", 1000000}}}, {"pids", {{"limit", 10}}}};
  Diagnostics diag;
  auto c = check(doc, diag);
  REQUIRE(c.config);
  CHECK(c.config->linux.has_resources);
  CHECK(diag.warnings.empty());
  CHECK(json::parse(c.config->linux.resources) == doc["linux"]["resources"]);
}

TEST_CASE("unknown properties are ignored with a debug note each") {
  json doc = default_config();
  doc["futureField"] = true;
  doc["process"]["futureProcessField"] = {{"class", "IOPRIO_CLASS_IDLE"}};
  Diagnostics diag;
  auto c = check(doc, diag);
  REQUIRE(c.config);
  CHECK(diag.warnings.empty());
  REQUIRE(diag.notes.size() == 2);
  CHECK(diag.notes[0].message() == "config.json:/futureField: unknown property ignored");
  CHECK(diag.notes[1].pointer == "/process/futureProcessField");
}

TEST_CASE("newer fields that change how the workload runs are a warning each, not a note") {
  json doc = default_config();
  doc["process"]["scheduler"] = {{"policy", "SCHED_FIFO"}, {"priority", 10}};
  doc["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}};
  doc["process"]["execCPUAffinity"] = {{"initial", "0"}};
  doc["linux"]["memoryPolicy"] = {{"mode", "MPOL_BIND"}, {"nodes", "0"}};
  doc["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 1}, {"nanosecs", 0}}}};
  Diagnostics diag;
  auto c = check(doc, diag);
  REQUIRE(c.config);
  CHECK(diag.notes.empty());
  REQUIRE(diag.warnings.size() == 5);
  CHECK(diag.warnings[0].message() ==
        "config.json:/process/scheduler: a scheduling policy is not applied; the process runs with the default one");
  std::vector<std::string> pointers;
  for (const auto& w : diag.warnings) pointers.push_back(w.pointer);
  CHECK(pointers == std::vector<std::string>{"/process/scheduler", "/process/ioPriority", "/process/execCPUAffinity",
                                             "/linux/memoryPolicy", "/linux/timeOffsets"});
}

TEST_CASE("a schema enum or type failure is one line saying what was expected") {
  json doc = default_config();
  doc["linux"]["namespaces"].push_back({{"type", "time-travel"}});
  auto c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() ==
        "config.json:/linux/namespaces/" + std::to_string(doc["linux"]["namespaces"].size() - 1) +
            "/type: namespace type \"time-travel\" is not supported");
  doc = default_config();
  doc["hostname"] = 7;
  c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() == "config.json:/hostname: expected a string (got 7)");
  doc = default_config();
  doc["process"]["args"] = "sh";
  c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() == "config.json:/process/args: expected an array (got \"sh\")");
}

TEST_CASE("linux.netDevices are read, checked by our schema, and need a network namespace") {
  json doc = default_config();
  doc["linux"]["netDevices"] = {{"enp3s0", {{"name", "eth0"}}}, {"enp4s0", json::object()}, {"ib0", {{"name", "net%d"}}}};
  auto c = check(doc);
  REQUIRE(c.config);
  REQUIRE(c.config->linux.net_devices.size() == 3);
  CHECK(c.config->linux.net_devices[0].host_name == "enp3s0");
  CHECK(c.config->linux.net_devices[0].name == "eth0");
  CHECK(c.config->linux.net_devices[1].name.empty());

  doc["linux"]["netDevices"]["enp3s0"]["name"] = 7;
  auto bad = check(doc);
  INFO(messages(bad));
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].pointer == "/linux/netDevices/enp3s0/name");

  json two = default_config();
  two["linux"]["netDevices"] = {{"a0", {{"name", "eth0"}}}, {"b0", {{"name", "eth0"}}}};
  CHECK(has_problem_at(check(two), "/linux/netDevices/b0/name"));

  json long_name = default_config();
  long_name["linux"]["netDevices"] = {{"a0", {{"name", "averyveryverylongname"}}}};
  CHECK(has_problem_at(check(long_name), "/linux/netDevices/a0/name"));

  json no_netns = default_config();
  no_netns["linux"]["namespaces"] = json::array({{{"type", "mount"}}});
  no_netns["hostname"] = "";
  no_netns["linux"]["netDevices"] = {{"a0", {{"name", "eth0"}}}};
  CHECK(has_problem_at(check(no_netns), "/linux/netDevices"));
}

TEST_CASE("sysctls must be namespaced and their namespace present") {
  json doc = default_config();
  doc["linux"]["sysctl"] = {{"vm.swappiness", "0"}, {"net/../../x", "1"}, {"net.ipv4.ip_forward", "1"}};
  auto c = check(doc);
  CHECK(has_problem_at(c, "/linux/sysctl/vm.swappiness"));
  CHECK(has_problem_at(c, "/linux/sysctl/net~1..~1..~1x"));
  CHECK_FALSE(has_problem_at(c, "/linux/sysctl/net.ipv4.ip_forward"));
}

TEST_CASE("a hostname without a uts namespace is an error") {
  json doc = default_config();
  doc["linux"]["namespaces"] = json::array({{{"type", "network"}}, {{"type", "mount"}}});
  CHECK(has_problem_at(check(doc), "/hostname"));
}

TEST_CASE("relative paths where the spec wants absolute ones are errors") {
  json doc = default_config();
  doc["process"]["cwd"] = "tmp";
  doc["mounts"][0]["destination"] = "proc";
  doc["hooks"] = {{"poststop", {{{"path", "true"}}}}};
  auto c = check(doc);
  CHECK(has_problem_at(c, "/process/cwd"));
  CHECK(has_problem_at(c, "/mounts/0/destination"));
  CHECK(has_problem_at(c, "/hooks/poststop/0/path"));
}

TEST_CASE("config.json needs a process with args and a root") {
  json doc = default_config();
  doc.erase("root");
  doc["process"]["args"] = json::array();
  auto c = check(doc);
  INFO(messages(c));
  CHECK(has_problem_at(c, "/process/args"));
  CHECK(std::any_of(c.problems.begin(), c.problems.end(), [](auto& e) { return e.context.find("root") != std::string::npos; }));
}

TEST_CASE("RLIM_INFINITY (2^64-1) is a valid rlimit despite valijson's int64 numbers") {
  json doc = default_config();
  doc["process"]["rlimits"] = {{{"type", "RLIMIT_CORE"}, {"hard", UINT64_MAX}, {"soft", UINT64_MAX}}};
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.config);
  CHECK(c.config->process.rlimits.at(0).hard == UINT64_MAX);
  doc["process"]["rlimits"][0]["soft"] = -1;
  CHECK(has_problem_at(check(doc), "/process/rlimits/0/soft"));
}

TEST_CASE("config.json: duplicate keys, invalid UTF-8 and malformed JSON are errors") {
  Diagnostics diag;
  auto dup = check_config(R"({"ociVersion": "1.0.2", "process": {"cwd": "/", "cwd": "/tmp"}})", "config.json", diag);
  REQUIRE(dup.problems.size() == 1);
  CHECK(dup.problems[0].message() == "config.json:/process/cwd: duplicate key \"cwd\"");
  auto utf8 = check_config("{\"ociVersion\": \"1.0\xc3\x28\"}", "config.json", diag);
  REQUIRE(utf8.problems.size() == 1);
  CHECK(utf8.problems[0].pointer == "/ociVersion");
  auto broken = check_config(R"({"ociVersion": 1.0.2})", "config.json", diag);
  REQUIRE(broken.problems.size() == 1);
  INFO(broken.problems[0].message());
  CHECK(broken.problems[0].message().starts_with("config.json: malformed JSON: parse error at line 1, column 19: "));
}

TEST_CASE("an oversized config.json is refused naming the file") {
  TempDir bundle;
  std::string big = R"({"ociVersion": "1.0.2", "annotations": {"x": ")" + std::string(16 << 20, 'a') + "\"}}";
  bundle.write("config.json", big);
  Diagnostics diag;
  auto c = load_config(bundle.path(), diag);
  REQUIRE_FALSE(c);
  CHECK(c.error().message() == bundle.path() + "/config.json: file larger than the limit of 16777216 bytes");
}

TEST_CASE("a long string where the schema has a pattern is refused before std::regex sees it") {
  json doc = default_config();
  // std::regex recurses per character: 200000 would overflow the stack.
  doc["process"]["rlimits"][0]["type"] = "RLIMIT_" + std::string(200000, 'A');
  auto c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() == "config.json:/process/rlimits/0/type: expected at most 4096 bytes");
}

TEST_CASE("a missing required property is reported beside a failure inside the same object") {
  // Found by the config fuzzer: the hook's own error was taken for a summary of the
  // timeout's, dropped, and the reader then met an object without "path".
  json doc = default_config();
  doc["hooks"] = {{"createRuntime", {{{"paph", "/bin/true"}, {"timeout", 0}}}}};
  auto c = check(doc);
  INFO(messages(c));
  CHECK(c.problems.size() == 2);
  CHECK(has_problem_at(c, "/hooks/createRuntime/0"));
  CHECK(has_problem_at(c, "/hooks/createRuntime/0/timeout"));
}
