// podman as a real client of netns-hook: examples/hooks.d/netns-hook.json installed in a
// --hooks-dir, podman's default runtime (runc) running the containers, and the
// org.mini-runc.network annotation turning the hook on. podman writes the hooks.d
// file's prestart stage into config.json, where runc runs it once the container's
// namespaces exist, and runs the poststop stage itself when it cleans the container up
// (after the exit, inside `podman rm` or the foreground `podman run --rm`), so both
// commands return only after the hook has undone the network. The test reads the
// container's network through the pid podman reports, and the host's from the kernel.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/firewall_host.hpp"
#include "support/hook_helpers.hpp"
#include "support/podman_support.hpp"
#include "support/rfc_support.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
using namespace mr::test::podman;
using namespace mr::test::rfc;
namespace fs = std::filesystem;

namespace {

constexpr const char* kAnnotation = "org.mini-runc.network=";
// How long `podman run` may take to start a container on a loaded build machine.
constexpr int kStartMs = 30000;

// The example hooks.d file as a user installs it in `dir`: its path names the built hook,
// --root a directory the test can look into, and --network-dir the test's networks.
std::string install_hooks_dir(const std::string& dir, const std::string& hook_root, const std::string& network_dir) {
  auto file = nlohmann::json::parse(read_file(MR_EXAMPLES_DIR "/hooks.d/netns-hook.json"));
  CHECK(file["hook"]["path"] == "/usr/local/bin/netns-hook");
  CHECK(file["stages"] == nlohmann::json{"prestart", "poststop"});
  file["hook"]["path"] = MR_NETNS_HOOK;
  file["hook"]["args"].push_back("--root");
  file["hook"]["args"].push_back(hook_root);
  file["hook"]["args"].push_back("--network-dir");
  file["hook"]["args"].push_back(network_dir);
  fs::create_directories(dir);
  write_file(dir + "/netns-hook.json", file.dump(2));
  return dir;
}

// A podman whose runtime is runc and whose hooks are the example's, under `tmp`.
struct HookedPodman {
  std::string hook_root;
  std::string network_dir;
  Podman podman;
  HookedPodman(Sandbox& sb, const TempDir& tmp)
      : hook_root(tmp.file("hook-root")),
        network_dir(tmp.file("networks")),
        podman(sb, tmp.file("podman"), runc(install_hooks_dir(tmp.file("hooks.d"), hook_root, network_dir))) {
    podman.import_image();
  }
  // What the hook keeps for a container while it is configured (the pin and the journal).
  bool claimed(const std::string& id) const { return fs::exists(hook_root + "/" + id); }
};

}  // namespace

TEST_CASE("podman with the hooks.d file: a host NIC moved into a runc container comes home after podman rm -f") {
  HookHost sb;  // nic0 at 198.51.100.1/24 stands in for the NIC
  TempDir tmp;
  HookedPodman hp(sb, tmp);
  auto& podman = hp.podman;
  auto nic = sb.host().link("nic0");
  std::string spec = tmp.file("net.json");
  write_file(spec, R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"]}]})");

  // --detach returns once runc has started the workload, after the prestart hook.
  auto run = podman(concat({"run", "--detach", "--name", "moved", "--network", "none", "--annotation", kAnnotation + spec},
                           concat(podman.container_options(), {kImage, "sleep", "1000"})));
  require_ok(run, "podman run");
  std::string id = podman.id("moved");
  auto ctr = container_space(podman.pid("moved"));
  CHECK(link_names(ctr) == std::vector<std::string>{"eth0", "lo"});
  auto eth0 = ctr.link("eth0");
  CHECK(eth0.mac->to_string() == nic.mac->to_string());  // the host's device, renamed
  CHECK(ctr.addresses(eth0.index, AF_INET) == std::vector<std::string>{"192.0.2.10/24"});
  CHECK(eth0.up());
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(hp.claimed(id));

  require_ok(podman({"rm", "--force", "--time", "0", "moved"}), "podman rm");
  auto home = sb.host().link("nic0");
  CHECK(home.mac->to_string() == nic.mac->to_string());
  CHECK(sb.host().addresses(home.index, AF_INET) == std::vector<std::string>{"198.51.100.1/24"});
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
  CHECK_FALSE(hp.claimed(id));
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}

TEST_CASE("podman with the hooks.d file: a runc container on a veth to the host's bridge, run in the foreground with --rm") {
  BridgedHost h;  // br0 at 10.88.0.1/24
  HookedPodman hp(h.sb, h.tmp);
  auto& podman = hp.podman;
  std::string before = host_state(h.sb.host());
  auto reports = tcp_listen(h.sb.host(), ip("10.88.0.1"), 9000);

  // The annotation names the spec's file: podman reads --annotation values as CSV, so
  // inline JSON (with its commas and quotes) would need CSV quoting. The workload says
  // it runs over the network the hook gave it, then waits for SIGTERM.
  std::string spec = h.tmp.file("net.json");
  write_file(spec, BridgedHost::veth_spec("10.88.0.2", "vpod0").dump());
  auto run = podman.start(
      concat({"run", "--rm", "--name", "bridged", "--network", "none", "--annotation", kAnnotation + spec},
             concat(podman.container_options(),
                    {kImage, "sh", "-c", "echo ready | nc 10.88.0.1 9000; trap 'exit 0' TERM; sleep 1000 & wait"})));
  auto ready = accept_one(reports, kStartMs);
  CHECK(peer_ip(ready) == "10.88.0.2");
  CHECK(read_to_eof(ready) == "ready\n");
  ready.reset();

  std::string id = podman.id("bridged");
  auto ctr = container_space(podman.pid("bridged"));
  CHECK(link_names(ctr) == std::vector<std::string>{"eth0", "lo"});
  CHECK(ctr.addresses(ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"10.88.0.2/24"});
  CHECK(ctr.link("eth0").kind == "veth");
  CHECK(h.sb.host().link("vpod0").master == h.sb.host().link("br0").index);
  CHECK(hp.claimed(id));

  require_ok(podman({"kill", "--signal", "TERM", "bridged"}), "podman kill");
  // A foreground --rm run returns after it has removed the container, poststop included.
  require_ok(run.finish(), "podman run");
  CHECK_FALSE(h.sb.host().has_link("vpod0"));
  CHECK(settled_host_state(h.sb.host(), before) == before);
  CHECK_FALSE(hp.claimed(id));
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}

TEST_CASE("podman with the hooks.d file: a runc container on a managed network serves a published port until podman rm") {
  HookHost sb;
  TempDir tmp;
  HookedPodman hp(sb, tmp);
  auto& podman = hp.podman;
  RuntimeCli mini_runc(sb, tmp.file("mr-root"));
  auto created = mini_runc({"--network-dir", hp.network_dir, "network", "create", "web", "--subnet", "10.89.21.0/24"});
  REQUIRE_MESSAGE(created.status == 0, created.err);
  const std::string before = host_state(sb.host());
  const std::string ruleset_before = ruleset_of(sb.host());
  std::string spec = tmp.file("net.json");
  write_file(spec, R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
                       "ports": [{"hostPort": 8080, "containerPort": 80}]})");
  // The workload serves port 80, then says so to the host through the network's gateway
  // (which comes with the container: the host listens on every address).
  auto reports = tcp_listen(sb.host(), ip("0.0.0.0"), 9000);
  auto run = podman(concat({"run", "--detach", "--name", "web1", "--network", "none", "--annotation", kAnnotation + spec},
                           concat(podman.container_options(),
                                  {kImage, "sh", "-c",
                                   "echo hello > /tmp/index.html && httpd -p 80 -h /tmp && echo ready | "
                                   "nc 10.89.21.1 9000; trap 'exit 0' TERM; sleep 1000 & wait"})));
  require_ok(run, "podman run");
  auto ready = accept_one(reports, kStartMs);
  CHECK(peer_ip(ready) == "10.89.21.2");
  CHECK(read_to_eof(ready) == "ready\n");

  // The host reaches it on its loopback, through the published port.
  mr::UniqueFd client;
  REQUIRE(connect_errno(sb.host(), ip("127.0.0.1"), 8080, client) == 0);
  send_all(client, "GET /index.html HTTP/1.0\r\n\r\n");
  std::string answer = read_to_eof(client);
  CAPTURE(answer);
  CHECK(answer.starts_with("HTTP/1.1 200 OK"));
  CHECK(answer.ends_with("hello\n"));

  require_ok(podman({"rm", "--force", "--time", "0", "web1"}), "podman rm");
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(ruleset_of(sb.host()) == ruleset_before);
  CHECK(mini_runc({"--network-dir", hp.network_dir, "network", "rm", "web"}).status == 0);
}
