// netns-hook run by hand as a runtime would: a forked stand-in container, its bundle, the
// OCI state on stdin. What the container and the host hold is read back from the kernel.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include "hook_helpers.hpp"

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
                           "examples/hooks.d/netns-hook.json"})
    CHECK_MESSAGE(r.out.find(part) != std::string::npos, part);
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
