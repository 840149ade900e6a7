// podman 4.3 with its CNI backend runs mini-runc-cni as it runs any CNI plugin: a
// conflist in the test's network configuration directory names our plugin, whose
// directory comes first in containers.conf's cni_plugin_dirs. podman makes the
// container's namespace, ADDs with the published port in runtimeConfig.portMappings, and
// DELs with the cached result as prevResult at `podman rm`. The plugin runs in podman's
// mount namespace and the sandbox host (podman_support.hpp).
#include <doctest/doctest.h>

#include <sys/inotify.h>

#include <filesystem>
#include <fstream>

#include "support/cni_host.hpp"
#include "support/firewall_host.hpp"
#include "support/hostile_docs.hpp"
#include "support/podman_support.hpp"
#include "support/rfc_support.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::test;
using namespace mr::test::rfc;
using namespace mr::test::podman;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Mount points in podman's mount namespace under `dir` (the plugin's pins).
std::vector<std::string> mounts_inside(Podman& podman, const std::string& dir) {
  std::string listing = podman.inside([&] {
    std::string out;
    for (const auto& m : mounts_under(dir)) out += m + "\n";
    return out;
  });
  return lines_of(listing);
}

// Until the attachment of `id`'s eth0 is gone from the plugin's state directory `state`
// (the last step of its DEL, after every holding is given back), within kTimeoutMs.
bool detached_within_timeout(const std::string& state, const std::string& id) {
  UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  REQUIRE(watch.get() >= 0);
  REQUIRE(::inotify_add_watch(watch.get(), state.c_str(), IN_DELETE) >= 0);
  const std::string entry = id + ":eth0";
  while (fs::exists(state + "/" + entry)) {  // checked after the watch is in place: no event missed
    if (!wait_ready(watch.get(), POLLIN, kTimeoutMs)) return false;
    alignas(inotify_event) char buf[4096];
    while (::read(watch.get(), buf, sizeof buf) > 0) {}
  }
  return true;
}

}  // namespace

TEST_CASE_FIXTURE(CniClientFixture, "podman (CNI backend) puts a container on a managed network through mini-runc-cni, and rm gives all back") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.41.0/24", "--no-dns"}).status == 0);
  podman::Engine engine = podman::mini_runc();
  engine.cni_plugin_dirs = {fs::path(MR_CNI_PLUGIN).parent_path(), "/usr/lib/cni"};
  Podman podman(sb, tmp.file("podman"), engine);
  fs::create_directories(podman.dir() + "/networks");
  std::ofstream(podman.dir() + "/networks/mrweb.conflist") << conflist("mrweb", "web").dump(2);
  CHECK(podman.output({"network", "ls", "--format", "{{.Name}} {{.Driver}}", "--filter", "name=mrweb"}) ==
        "mrweb mini-runc-cni");
  podman.import_image();
  const std::string before = picture();
  CHECK(holdings().empty());

  require_ok(podman(concat({"run", "--detach", "--name", "web", "--network", "mrweb", "--publish", "8080:80"},
                           concat(podman.container_options(), {kImage, "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"}))),
             "podman run");
  const std::string id = podman.id("web");
  CHECK(attached(id, "eth0"));

  // The container's namespace holds eth0 with the address podman reports, in the subnet;
  // the address and the host end are held in podman's name for the container, and the
  // port is published to the address.
  auto ctr = container_space(podman.pid("web"));
  const std::string address = podman.inspect("web", "{{(index .NetworkSettings.Networks \"mrweb\").IPAddress}}");
  CHECK(podman.inspect("web", "{{(index .NetworkSettings.Networks \"mrweb\").Gateway}}") == "10.89.41.1");
  REQUIRE(prefix("10.89.41.0/24").contains(ip(address)));
  check_joined(ctr, address + "/24", "10.89.41.1", id);
  const std::string ruleset = ruleset_of(sb.host());
  CHECK(nft_elements(ruleset, "dnat4_port") == json::array({port_element(8080, id, 80)}));
  CHECK(nft_elements(ruleset, "dnat4_addr") == json::array({port_element(8080, id, address)}));

  // The published port reaches the container's namespace, from the host itself and from
  // beyond its uplink.
  auto web = tcp_listener(ctr, 80);
  CHECK(tcp_peer(sb.host(), "127.0.0.1", 8080, web, kTimeoutMs) == "10.89.41.1");
  CHECK(tcp_peer(internet, kHostUplinkIp, 8080, web, kTimeoutMs) == kInternetHostIp);
  CHECK(mounts_inside(podman, state).size() == 1);  // the plugin's pin of the namespace

  require_ok(podman({"rm", "--force", "--time", "0", "web"}), "podman rm");
  CHECK_FALSE(attached(id, "eth0"));
  CHECK(holdings().empty());
  CHECK(mounts_inside(podman, state).empty());
  CHECK(settled_picture(before) == before);  // no device, no nft element, no bridge
}

// A container that ends on its own is taken off its network by `podman container
// cleanup`, which conmon runs with containers.conf's conmon_env_vars as its whole
// environment: the DEL there must give back what the ADD took, the device lease too.
TEST_CASE_FIXTURE(CniClientFixture, "podman (CNI backend) gives all back through conmon's cleanup when a container is killed") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.42.0/24", "--no-dns"}).status == 0);
  podman::Engine engine = podman::mini_runc();
  engine.cni_plugin_dirs = {fs::path(MR_CNI_PLUGIN).parent_path(), "/usr/lib/cni"};
  Podman podman(sb, tmp.file("podman"), engine);
  fs::create_directories(podman.dir() + "/networks");
  std::ofstream(podman.dir() + "/networks/mrweb.conflist") << conflist("mrweb", "web").dump(2);
  podman.import_image();
  require_ok(podman(concat({"run", "--detach", "--name", "web", "--network", "mrweb"},
                           concat(podman.container_options(), {kImage, "sleep", "1000"}))),
             "podman run");
  const std::string id = podman.id("web");
  REQUIRE(attached(id, "eth0"));
  REQUIRE(holdings().size() == 2);  // the address and the veth's host end

  // `podman kill` only signals: the DEL is the cleanup's alone.
  require_ok(podman({"kill", "web"}), "podman kill");
  REQUIRE(detached_within_timeout(state, id));
  CHECK(holdings().empty());
  CHECK(mounts_inside(podman, state).empty());
  require_ok(podman({"rm", "web"}), "podman rm");
}
