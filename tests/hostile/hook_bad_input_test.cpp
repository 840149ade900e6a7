// netns-hook on bad input: exit status 1, one line on stderr naming the file, the JSON
// pointer and what is wrong, and the host as it was.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/hook_helpers.hpp"

using namespace mr::test;

namespace {

const std::string kId = "bad-ctr";

// Runs a configure that must fail and checks the contract; returns the one line.
std::string refused(HookHost& sb, const HookBundle& b, const std::string& state) {
  auto r = run_hook(sb, b, {}, state);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err_lines().size() == 1);
  CHECK(r.err.starts_with("netns-hook: error: "));
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
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
  auto line = refused(sb, b, oci_state(kId, "created", 0, b.path()));
  CHECK_MESSAGE(says(line, {"stdin:/pid: ", "pid"}), line);
}

TEST_CASE("netns-hook refuses a pid whose process is gone") {
  HookHost sb;
  HookBundle b;
  pid_t gone = reaped_pid();
  auto line = refused(sb, b, oci_state(kId, "created", gone, b.path()));
  auto gone_text = "process " + std::to_string(gone) + " is gone";
  CHECK_MESSAGE(says(line, {"stdin:/pid: ", gone_text.c_str(), "No such file or directory"}), line);
}

TEST_CASE("netns-hook refuses a spec that moves a device the host lacks") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  StandInContainer ctr;
  auto line = refused(sb, b, oci_state(kId, "created", ctr.pid(), b.path()));
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
  auto line = refused(sb, b, oci_state(kId, "created", ctr.pid(), b.path()));
  CHECK_MESSAGE(says(line, {"network.json", "/devices/1/veth/bridge", "no-br"}), line);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"lo"});
}

TEST_CASE("netns-hook refuses a --network spec in one line, though it also ignores network.json") {
  HookHost sb;
  HookBundle b;  // network.json is valid; --network wins over it, with a warning when used
  write_file(b.dir.file("other.json"), R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  StandInContainer ctr;
  auto r = run_hook(sb, b, {"--network", "other.json"}, oci_state(kId, "created", ctr.pid(), b.path()));
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
  auto r = run_hook(sb, b, {"--log-format", "json"}, oci_state(kId, "created", ctr.pid(), b.path()));
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  REQUIRE(r.err_lines().size() == 1);
  auto e = nlohmann::json::parse(r.err);
  CHECK(e["level"] == "error");
  CHECK(e["file"] == b.dir.file("network.json"));
  CHECK(e["pointer"] == "/devices/0/move");
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}
