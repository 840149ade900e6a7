// netns-hook run by hand as a runtime would: a forked stand-in container, its bundle, the
// OCI state on stdin. What the container and the host hold is read back from the kernel.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "support/hook_helpers.hpp"

using namespace mr::test;

namespace {

const std::string kId = "hook-ctr";

}  // namespace

TEST_CASE("netns-hook configures a container at createRuntime and undoes it at poststop") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;

  auto configured = run_hook(sb, b, {}, oci_state(kId, "creating", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(configured.exit_code == 0, configured.err);
  CHECK(configured.err.empty());
  check_configured(sb, ctr.pid(), kId);
  CHECK(is_mount_point(b.state_dir(kId) + "/netns"));  // pinned for poststop

  // poststop comes after the container's processes are gone: only the pin holds it.
  ctr.release();
  auto undone = run_poststop(sb, b, kId);
  REQUIRE_MESSAGE(undone.exit_code == 0, undone.err);
  CHECK(undone.err.empty());
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);  // nic0 home with its address; the veth gone
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));

  // poststop again: nothing to do, nothing changes.
  auto again = run_poststop(sb, b, kId);
  CHECK(again.exit_code == 0);
  CHECK(again.err.empty());
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook poststop without a configure exits 0 and changes nothing") {
  HookHost sb;
  HookBundle b;
  auto r = run_poststop(sb, b, kId);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
}

TEST_CASE("netns-hook configuring a container twice fails the second time and changes nothing") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  auto state = oci_state(kId, "created", ctr.pid(), b.path());
  REQUIRE(run_hook(sb, b, {}, state).exit_code == 0);
  auto host_after_first = host_state(sb.host());
  auto inside = container_space(ctr.pid());
  auto ctr_after_first = host_state(inside);

  auto second = run_hook(sb, b, {}, state);
  INFO("stderr: " << second.err);
  CHECK(second.exit_code == 1);
  REQUIRE(second.err_lines().size() == 1);
  CHECK(second.err.find("configured already") != std::string::npos);
  CHECK(second.err.find(kId) != std::string::npos);
  CHECK(settled_host_state(sb.host(), host_after_first) == host_after_first);
  CHECK(settled_host_state(inside, ctr_after_first) == ctr_after_first);
  check_configured(sb, ctr.pid(), kId);

  // The first configure's undo still works in full.
  REQUIRE(run_poststop(sb, b, kId).exit_code == 0);
  CHECK(sb.host().has_link("nic0"));
}

TEST_CASE("netns-hook --network FILE wins over the bundle's network.json") {
  HookHost sb;
  // network.json names a device the host lacks: used, it would fail.
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})");
  write_file(b.dir.file("other.json"),
             R"({"version": 1, "devices": [{"name": "uplink", "move": "nic0", "addresses": ["192.0.2.20/24"]}]})");
  StandInContainer ctr;
  auto r = run_hook(sb, b, {"--network", "other.json"}, oci_state(kId, "created", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("warning: " + b.dir.file("other.json") + ": network spec used instead of " +
                   b.dir.file("network.json")) != std::string::npos);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"lo", "uplink"});
  CHECK(inside.addresses(inside.link("uplink").index, AF_INET) == std::vector<std::string>{"192.0.2.20/24"});
  REQUIRE(run_poststop(sb, b, kId).exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook --log-format json writes its warnings as JSON objects, one a line") {
  HookHost sb;
  HookBundle b;  // network.json is valid; --network wins over it, with a warning
  write_file(b.dir.file("other.json"),
             R"({"version": 1, "devices": [{"name": "uplink", "move": "nic0", "addresses": ["192.0.2.20/24"]}]})");
  StandInContainer ctr;
  auto r = run_hook(sb, b, {"--log-format", "json", "--network", "other.json"},
                    oci_state(kId, "created", ctr.pid(), b.path()));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err_lines().size() == 1);
  auto w = nlohmann::json::parse(r.err_lines()[0]);
  CHECK(w["level"] == "warning");
  CHECK(w["msg"] == b.dir.file("other.json") + ": network spec used instead of " + b.dir.file("network.json"));
  CHECK(w["file"] == b.dir.file("other.json"));
  CHECK(w["time"].is_string());
  REQUIRE(run_poststop(sb, b, kId).exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook --debug prints a line for each step it takes, and none without it") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  auto configured = run_hook(sb, b, {"--debug"}, oci_state(kId, "created", ctr.pid(), b.path()));
  INFO("configure: " << configured.err);
  REQUIRE(configured.exit_code == 0);
  for (const auto& line : configured.err_lines()) CHECK_MESSAGE(line.starts_with("netns-hook: debug: "), line);
  CHECK(configured.err.find("debug: state: container " + kId + ", status created, pid " +
                            std::to_string(ctr.pid())) != std::string::npos);
  CHECK(configured.err.find("debug: network: eth0 (host nic0) ready\n") != std::string::npos);
  CHECK(configured.err.find("debug: configure: container " + kId + " done\n") != std::string::npos);
  ctr.release();
  auto undone = run_hook(sb, b, {"--debug", "--log-format", "json"}, oci_state(kId, "stopped", 0, b.path()));
  INFO("undo: " << undone.err);
  REQUIRE(undone.exit_code == 0);
  std::vector<std::string> said;
  for (const auto& line : undone.err_lines()) {
    auto j = nlohmann::json::parse(line);
    CHECK(j["level"] == "debug");
    said.push_back(j["msg"]);
  }
  CHECK(std::find(said.begin(), said.end(), "network: nic0 returned to the host") != said.end());
  CHECK(std::find(said.begin(), said.end(), "undo: container " + kId + " done") != said.end());
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);

  // The same without --debug: not a line.
  StandInContainer quiet;
  auto q = run_hook(sb, b, {}, oci_state(kId, "created", quiet.pid(), b.path()));
  CHECK(q.exit_code == 0);
  CHECK(q.err.empty());
  quiet.release();
  auto qu = run_poststop(sb, b, kId);
  CHECK(qu.exit_code == 0);
  CHECK(qu.err.empty());
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook takes the bundle's network.json over the annotation") {
  HookHost sb;
  auto config = mr::oci::default_config();
  // The annotation names a device the host lacks: used, it would fail.
  config["annotations"]["org.mini-runc.network"] = R"({"version": 1, "devices": [{"name": "eth0", "move": "nic9"}]})";
  HookBundle b(kHookSpec, config);
  StandInContainer ctr;
  auto r = run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  check_configured(sb, ctr.pid(), kId);
  ctr.release();
  REQUIRE(run_poststop(sb, b, kId).exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook takes the spec from the annotation when the bundle has no network.json") {
  HookHost sb;
  auto config = mr::oci::default_config();
  config["annotations"]["org.mini-runc.network"] = kHookSpec;
  HookBundle b("", config);
  StandInContainer ctr;
  auto r = run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  check_configured(sb, ctr.pid(), kId);
  REQUIRE(run_poststop(sb, b, kId).exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE("netns-hook poststop brings a device whose name was taken home under its fallback name, and says so") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  const int nic0 = sb.host().link("nic0").index;
  REQUIRE(run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path())).exit_code == 0);
  sb.veth("nic0", "usurper");  // meanwhile another device takes the name
  const int usurper = sb.host().link("nic0").index;
  ctr.release();
  auto r = run_poststop(sb, b, kId);
  CHECK(r.exit_code == 0);
  // The name fallback_name() promises: mr-ret- and the device's host index in hex.
  char fallback[16];
  std::snprintf(fallback, sizeof fallback, "mr-ret-%x", static_cast<unsigned>(nic0));
  // The words of mini-runc's delete.
  CHECK(r.err == "netns-hook: warning: nic0 returned to the host as " + std::string(fallback) +
                     ": its name was taken\n");
  CHECK(sb.host().link(fallback).index == nic0);
  CHECK(sb.host().addresses(nic0, AF_INET) == std::vector<std::string>{"198.51.100.1/24"});
  CHECK(sb.host().link("nic0").index == usurper);
  CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
}

TEST_CASE("netns-hook poststop with the dead pid (crun) removes a named veth host end before it returns") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [
    {"name": "eth1", "veth": {"bridge": "br0", "hostName": "vpod0"}, "addresses": ["10.88.0.5/16"]}]})");
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    StandInContainer ctr;
    const pid_t pid = ctr.pid();
    // The second round's configure comes right after the first one's poststop: vpod0 free.
    auto configured = run_hook(sb, b, {}, oci_state(kId, "created", pid, b.path()));
    REQUIRE_MESSAGE(configured.exit_code == 0, configured.err);
    CHECK(sb.host().link("vpod0").master == sb.host().link("br0").index);
    ctr.release();
    auto undone = run_hook(sb, b, {}, oci_state(kId, "stopped", pid, b.path()));
    REQUIRE_MESSAGE(undone.exit_code == 0, undone.err);
    CHECK_FALSE(sb.host().has_link("vpod0"));  // now, not once the kernel's cleanup has run
    CHECK(host_state(sb.host()) == sb.before);
  }
}

TEST_CASE("netns-hook --stage overrides what the state's status says") {
  HookHost sb;
  HookBundle b;
  StandInContainer ctr;
  // "stopped" would mean undo; --stage configure configures.
  auto configured = run_hook(sb, b, {"--stage", "configure"}, oci_state(kId, "stopped", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(configured.exit_code == 0, configured.err);
  check_configured(sb, ctr.pid(), kId);
  // "running" would mean configure (and fail: configured already); --stage undo undoes.
  auto undone = run_hook(sb, b, {"--stage", "undo"}, oci_state(kId, "running", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(undone.exit_code == 0, undone.err);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  auto inside = container_space(ctr.pid());
  CHECK(link_names(inside) == std::vector<std::string>{"lo"});
}

TEST_CASE("netns-hook --help shows how to wire it into config.json") {
  auto r = run_program({MR_NETNS_HOOK, "--help"});
  CHECK(r.exit_code == 0);
  for (const char* part : {"\"createRuntime\"", "\"poststop\"", "\"prestart\"", "--network", "org.mini-runc.network",
                           "/etc/containers/oci/hooks.d/netns-hook.json"})
    CHECK_MESSAGE(r.out.find(part) != std::string::npos, part);
  // The podman hooks.d file, as the example podman is tested with: every line, indented.
  std::istringstream example(read_file(MR_EXAMPLES_DIR "/hooks.d/netns-hook.json"));
  std::string shown;
  for (std::string line; std::getline(example, line);) shown += "  " + line + "\n";
  CHECK_MESSAGE(r.out.find(shown) != std::string::npos, r.out);
}

TEST_CASE("the podman hooks.d example turns netns-hook on by the annotation, for configure and undo") {
  auto hook = nlohmann::json::parse(read_file(MR_EXAMPLES_DIR "/hooks.d/netns-hook.json"));
  CHECK(hook["version"] == "1.0.0");  // oci-hooks(5) 1.0.0 schema
  CHECK(hook["hook"]["path"] == "/usr/local/bin/netns-hook");
  // Stages podman's 1.0.0 reader accepts; a configuring one and poststop.
  CHECK(hook["stages"] == nlohmann::json{"prestart", "poststop"});
  // when.annotations: POSIX extended regular expressions over each key and value.
  const auto& when = hook["when"]["annotations"];
  REQUIRE(when.size() == 1);
  std::regex key(when.begin().key(), std::regex::extended), value(when.begin()->get<std::string>(), std::regex::extended);
  CHECK(std::regex_match("org.mini-runc.network", key));
  CHECK_FALSE(std::regex_match("org.mini-runcXnetwork", key));
  CHECK(std::regex_match("/etc/mini-runc/web.json", value));
  CHECK_FALSE(std::regex_match("", value));
}
