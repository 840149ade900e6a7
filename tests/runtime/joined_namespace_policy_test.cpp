// The network service's one rule for a network namespace joined by path (a pod's), the
// same through each front door (network/service.hpp, place()): a spec that asks for
// devices is applied there, recorded as shared, and undone by our hand, the namespace
// living on; a spec that asks for nothing leaves it alone, no state kept.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/hook_helpers.hpp"
#include "support/runtime_harness.hpp"
#include "support/process.hpp"

using namespace mr::test;

namespace {

const char* const kMoveSpec = R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"]}]})";

void join_network(nlohmann::json& config, const std::string& path) {
  for (auto& ns : config["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = path;
}

std::string pod_path(const StandInContainer& pod) { return "/proc/" + std::to_string(pod.pid()) + "/ns/net"; }

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "mini-runc applies a spec to a namespace joined by path and gives back what it put there") {
  sb.veth("nic0", "wire0");
  const std::string before = host_state(sb.host());
  StandInContainer pod;
  join_network(b.config, pod_path(pod));
  b.write();
  const std::string spec = tmp.file("net.json");
  write_file(spec, kMoveSpec);
  auto c = runc({"create", "--network", spec, "-b", b.dir, "joiner"});
  REQUIRE_MESSAGE(c.status == 0, c.err);
  auto in_pod = container_space(pod.pid());
  REQUIRE(in_pod.has_link("eth0"));
  CHECK(contains(in_pod.addresses(in_pod.link("eth0").index), "192.0.2.10/24"));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(std::filesystem::exists(runc.root() + "/joiner/netns.shared"));
  CHECK(runc({"delete", "--force", "joiner"}).status == 0);
  // The pod's namespace lives on without it, and nic0 is home.
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK_FALSE(container_space(pod.pid()).has_link("eth0"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "mini-runc leaves a namespace joined by path alone when the spec asks for nothing") {
  StandInContainer pod;
  join_network(b.config, pod_path(pod));
  b.write();
  auto c = runc({"create", "-b", b.dir, "joiner"});
  REQUIRE_MESSAGE(c.status == 0, c.err);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/joiner/netns"));
  CHECK(runc({"delete", "--force", "joiner"}).status == 0);
}

TEST_CASE("netns-hook applies a spec to a namespace joined by path and gives back what it put there") {
  HookHost sb;
  StandInContainer pod;
  auto config = mr::oci::default_config();
  join_network(config, pod_path(pod));
  HookBundle b(kMoveSpec, config);
  auto r = run_hook(sb, b, {}, oci_state("joiner", "creating", pod.pid(), b.path()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto in_pod = container_space(pod.pid());
  REQUIRE(in_pod.has_link("eth0"));
  CHECK(contains(in_pod.addresses(in_pod.link("eth0").index), "192.0.2.10/24"));
  CHECK(std::filesystem::exists(b.state_dir("joiner") + "/netns.shared"));
  auto u = run_poststop(sb, b, "joiner");
  REQUIRE_MESSAGE(u.exit_code == 0, u.err);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(container_space(pod.pid()).has_link("eth0"));
}

TEST_CASE("netns-hook leaves a namespace joined by path alone when the spec asks for nothing") {
  HookHost sb;
  StandInContainer pod;
  auto config = mr::oci::default_config();
  join_network(config, pod_path(pod));
  HookBundle b("", config);
  auto r = run_hook(sb, b, {}, oci_state("joiner", "creating", pod.pid(), b.path()));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.empty());
  CHECK_FALSE(std::filesystem::exists(b.state_dir("joiner")));
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}
