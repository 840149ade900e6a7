// libcni (Debian's golang-github-appc-cni-dev, the library podman, containerd and CRI-O
// build on) runs mini-runc-cni first in a chain with Debian's reference plugins: portmap
// publishes a port to the address our result gives, tuning sets a sysctl on our
// interface. A small Go driver (libcni_driver/main.go, built by the test build) makes one
// libcni call per run: AddNetworkList, CheckNetworkList, GetNetworkListCachedResult and
// DelNetworkList, each plugin after the first given the previous result as prevResult,
// DEL in reverse order with the cached result. What libcni caches is read back from the
// kernel. CHECK runs the chain but portmap: Debian 12's portmap (plugins 1.1.1) fails
// CHECK of any IPv4-only attachment, looking for ip6tables rules it never made
// (containernetworking/plugins#819).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "netns/sysctl.hpp"
#include "support/cni_host.hpp"
#include "support/firewall_host.hpp"
#include "support/process.hpp"
#include "support/rfc_support.hpp"

using namespace mr;
using namespace mr::test;
using namespace mr::test::rfc;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTunedMac = "02:00:5e:00:53:2a";

struct LibcniChain : CniClientFixture {
  std::string list_path = tmp.file("mrchain.conflist");
  std::string checked_path = tmp.file("mrchain-checked.conflist");  // the same, without portmap
  std::string cache = tmp.file("cni-cache");

  // Our plugin on managed network `network`, then portmap (the portMappings capability
  // is its alone here), then tuning, which changes our interface's MAC and MTU.
  void write_chain(const std::string& network) {
    json list = conflist("mrchain", network);
    list["plugins"][0].erase("capabilities");
    list["plugins"].push_back({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}});
    list["plugins"].push_back({{"type", "tuning"},
                               {"mac", kTunedMac},
                               {"mtu", 1400},
                               {"sysctl", {{"net.ipv4.conf.eth0.arp_notify", "1"}}},
                               {"dataDir", tmp.file("tuning")}});
    std::ofstream(list_path) << list.dump(2);
    list["plugins"].erase(1);
    std::ofstream(checked_path) << list.dump(2);
  }

  // One libcni call on (c1, eth0) in `pod`, run in the sandbox host.
  CniRun driver(const std::string& command, const CniPod& pod) { return driver(command, pod, list_path); }
  CniRun driver(const std::string& command, const CniPod& pod, const std::string& conflist) {
    REQUIRE_MESSAGE(::access(MR_LIBCNI_DRIVER, X_OK) == 0, MR_LIBCNI_DRIVER " missing: install golang-go (scripts/packages.txt)");
    const std::string plugin_dirs = fs::path(MR_CNI_PLUGIN).parent_path().string() + ":/usr/lib/cni";
    const std::string ports = R"({"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]})";
    auto r = run_program({MR_LIBCNI_DRIVER, command, conflist, cache, plugin_dirs, "c1", pod.path, "eth0", ports}, {},
                         {.net = &sb.host().ns});
    return {r.exit_code, r.out, r.err};
  }
};

void require_ran(const CniRun& r, const char* what) {
  INFO(what << ": status " << r.status << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
}

}  // namespace

TEST_CASE_FIXTURE(LibcniChain, "libcni chains mini-runc-cni with portmap and tuning: ADD, CHECK, the cached result, DEL") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.43.0/24", "--no-dns"}).status == 0);
  write_chain("web");
  auto p = pod("p1");
  const std::string before = host_state(sb.host());

  auto add = driver("ADD", p);
  require_ran(add, "ADD");
  auto cached = driver("CACHED", p);
  require_ran(cached, "CACHED");
  json result = cached.json();
  CHECK(result == add.json());  // what the chain returned is what libcni keeps

  // The cached result against the kernel: the host end on the network's bridge, eth0 in
  // the pod with its MAC, the one address and the default route through the gateway.
  REQUIRE(result["interfaces"].size() == 2);
  REQUIRE(result["ips"].size() == 1);
  const json& host_if = result["interfaces"][0];
  const json& pod_if = result["interfaces"][1];
  auto veth = sb.host().link(host_if["name"]);
  CHECK(host_if.value("sandbox", "") == "");
  CHECK(MUST(netns::get_link(sb.host().nl, veth.master)).kind == "bridge");
  auto eth0 = p.space.link("eth0");
  REQUIRE(eth0.mac);
  CHECK(pod_if == json{{"name", "eth0"}, {"mac", eth0.mac->to_string()}, {"sandbox", p.path}});
  CHECK(pod_if["mac"] == kTunedMac);  // tuning's, which it put in the result
  CHECK(eth0.mtu == 1400);
  const std::string address = result["ips"][0]["address"];
  CHECK(result["ips"][0]["interface"] == 1);
  CHECK(result["ips"][0]["gateway"] == "10.89.43.1");
  CHECK(result["routes"] == json::parse(R"([{"dst": "0.0.0.0/0", "gw": "10.89.43.1"}])"));
  check_joined(p.space, address, "10.89.43.1", "c1");

  // tuning set its sysctl on our interface, and portmap's port reaches the address we gave.
  CHECK(MUST(netns::read_sysctl(p.space.ns, "net.ipv4.conf.eth0.arp_notify")) == "1");
  auto web = tcp_listener(p.space, 80);
  CHECK(tcp_peer(internet, kHostUplinkIp, 8080, web, kTimeoutMs) == kInternetHostIp);

  auto check = driver("CHECK", p, checked_path);
  CHECK_MESSAGE(check.status == 0, check.out, check.err);

  auto del = driver("DEL", p);
  require_ran(del, "DEL");
  CHECK(driver("CACHED", p).out == "null\n");  // libcni dropped its cache
  CHECK_FALSE(attached("c1", "eth0"));
  CHECK(holdings().empty());
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK(settled_host_state(sb.host(), before) == before);  // the host end and the bridge went
  // A second DEL, as runtimes send when unsure, finds nothing and succeeds.
  require_ran(driver("DEL", p), "second DEL");
}
