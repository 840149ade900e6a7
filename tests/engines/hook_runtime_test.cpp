// netns-hook under real OCI runtimes: runc and crun run it from a busybox bundle's
// config.json (createRuntime or prestart, and poststop) through a whole container
// lifecycle inside a sandbox: create, read the container's network, start, wait for the
// workload to exit, delete. Afterwards the host is exactly as it was.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/hook_helpers.hpp"
#include "support/hook_oci_runtime.hpp"
#include "support/firewall_host.hpp"
#include "support/net_devices_host.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

using ConfigEdit = void (*)(nlohmann::json&);
using ContainerCheck = void (*)(Sandbox& sb, pid_t pid, const std::string& id);

// create, `check` the created container, start, wait for /bin/true to exit, delete; then
// the host is `before` again and netns-hook keeps nothing for the container.
void run_lifecycle(OciRuntime rt, Sandbox& sb, const std::string& before, const HookBundle& b, nlohmann::json config,
                   ContainerCheck check) {
  REQUIRE_MESSAGE(fs::exists(rt.binary), rt.binary << " not found; install it (scripts/packages.txt)");
  std::string id = "hook-" + fs::path(b.path()).filename().string();  // unique: runtimes share cgroups
  make_rootfs(b.dir.file("rootfs"));
  config["process"]["args"] = {"/bin/true"};
  write_file(b.dir.file("config.json"), config.dump(2));
  rt.global_args.insert(rt.global_args.begin(), {"--root", b.dir.file("runtime-state")});

  Container ctr(sb, rt, id);
  ctr.must({"create", "--bundle", b.path(), id});
  pid_t pid = ctr.pid();
  auto exited = open_pidfd(pid);
  check(sb, pid, id);

  ctr.must({"start", id});
  wait_exit(exited.get());
  ctr.must({"delete", id});
  ctr.mark_deleted();
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK_FALSE(fs::exists(b.state_dir(id)));
}

// The lifecycle of a container with kHookSpec, netns-hook configuring it at `stage`.
void run_hooked(OciRuntime rt, const std::string& stage, ConfigEdit edit = nullptr) {
  HookHost sb;
  HookBundle b;
  auto config = hooked_config(stage, b.root);
  if (edit) edit(config);
  run_lifecycle(std::move(rt), sb, sb.before, b, config, check_configured);
}

void without_rlimits(nlohmann::json& config) { config["process"].erase("rlimits"); }

}  // namespace

TEST_CASE("runc runs netns-hook as createRuntime and poststop hooks") {
  run_hooked(runc(), "createRuntime");
}

TEST_CASE("runc runs netns-hook as prestart and poststop hooks") {
  run_hooked(runc(), "prestart");
}

TEST_CASE("crun runs netns-hook as createRuntime and poststop hooks") {
  Cgroup2MountNamespace cgroup2;
  run_hooked(crun(cgroup2), "createRuntime", without_rlimits);
}

TEST_CASE("crun runs netns-hook as prestart and poststop hooks") {
  Cgroup2MountNamespace cgroup2;
  run_hooked(crun(cgroup2), "prestart", without_rlimits);
}

TEST_CASE("the runc example bundle (examples/runc) runs under runc") {
  Sandbox sb;
  sb.bridge("mr0");  // what examples/runc/network.json expects of the host
  auto before = host_state(sb.host());
  std::string example = MR_EXAMPLES_DIR "/runc/";
  HookBundle b(read_file(example + "network.json"));
  auto config = nlohmann::json::parse(read_file(example + "config.json"));
  // The example names the installed hook and its default root; the test runs the one built.
  for (const char* stage : {"createRuntime", "poststop"}) {
    REQUIRE(config["hooks"][stage].size() == 1);
    auto& hook = config["hooks"][stage][0];
    CHECK(hook["path"] == "/usr/local/bin/netns-hook");
    hook["path"] = MR_NETNS_HOOK;
    hook["args"].push_back("--root");
    hook["args"].push_back(b.root);
  }
  run_lifecycle(runc(), sb, before, b, config, [](Sandbox& sb, pid_t pid, const std::string& id) {
    auto ctr = container_space(pid);
    CHECK(link_names(ctr) == std::vector<std::string>{"eth0", "lo"});
    CHECK(ctr.addresses(ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.88.0.5/16"});
    CHECK(sb.host().link(mr::network::derived_veth_host_name(id, 0)).master == sb.host().link("mr0").index);
  });
}

TEST_CASE("runc: netns-hook honours linux.netDevices, and its poststop leaves the device alone") {
  Sandbox sb;
  const std::string without_nic = lend_net_device(sb);
  HookBundle b("");  // no network spec: config.json's netDevices alone
  auto config = hooked_config("createRuntime", b.root);
  config["linux"]["netDevices"] = net_devices_entry();
  // After delete the host is as before nic0 existed: the kernel destroyed the veth with
  // the namespace the poststop released. Had the hook returned it, nic0 and wire0 would stay.
  run_lifecycle(runc(), sb, without_nic, b, config, check_net_device_inside);
}

namespace {

// The container's eth0 on network web (10.89.20.0/24) and its port in our table.
void check_on_managed_network(Sandbox& sb, pid_t pid, const std::string&) {
  auto ctr = container_space(pid);
  CHECK(ctr.addresses(ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.20.2/24"});
  CHECK(nft_in(sb.host(), "list map inet mini_runc dnat4_addr").find("10.89.20.2") != std::string::npos);
}

}  // namespace

TEST_CASE("runc: netns-hook puts a container on a managed network with a published port, poststop takes it all out") {
  HookHost sb;
  TempDir tmp;
  // Not the TempDir itself: it holds a lock on its directory, as the network directory's is.
  const std::string nets = tmp.file("networks");
  RuntimeCli mini_runc(sb, tmp.file("root"));
  auto created = mini_runc({"--network-dir", nets, "network", "create", "web", "--subnet", "10.89.20.0/24"});
  REQUIRE_MESSAGE(created.status == 0, created.err);
  const std::string ruleset_before = ruleset_of(sb.host());
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
                   "ports": [{"hostPort": 8080, "containerPort": 80}]})");
  auto config = hooked_config("createRuntime", b.root);
  for (auto* hooks : {&config["hooks"]["createRuntime"], &config["hooks"]["poststop"]})
    for (const std::string& arg : {std::string("--network-dir"), nets}) (*hooks)[0]["args"].push_back(arg);
  run_lifecycle(runc(), sb, sb.before, b, config, check_on_managed_network);
  CHECK(ruleset_of(sb.host()) == ruleset_before);
  // The address is free again: nothing uses the network.
  auto removed = mini_runc({"--network-dir", nets, "network", "rm", "web"});
  CHECK_MESSAGE(removed.status == 0, removed.err);
}
