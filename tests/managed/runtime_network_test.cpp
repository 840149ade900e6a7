// mini-runc on a managed network, end to end: `network create`, containers whose spec
// says only {"network": NAME} get the next addresses, routes through the gateway and
// the gateway as name server, reach each other by address and by name; the bridge and
// the DNS server go with the last container, and the host is as it was.
#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>

#include "netns/route.hpp"
#include "network/dns.hpp"
#include "support/apply_helpers.hpp"
#include "support/dns_query.hpp"
#include "support/managed_host.hpp"
#include "support/udp.hpp"

using namespace mr;
using namespace mr::test;

namespace {

std::string resolv_conf_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/root/etc/resolv.conf");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST_CASE_FIXTURE(ManagedFixture, "containers on a managed network get addresses, a gateway and each other's names") {
  const std::string before = picture();
  auto created = mr({"network", "create", "web", "--subnet", "10.89.5.0/24"});
  REQUIRE_MESSAGE(created.status == 0, created.err);
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}]})";
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  for (const char* id : {"a", "b"}) {
    auto r = mr({"create", "-b", b.dir, id});
    REQUIRE_MESSAGE(r.status == 0, r.err);
  }
  std::string bridge = nlohmann::json::parse(mr({"network", "inspect", "web"}).out)[0]["bridge"];
  {
  // The containers' namespaces, held only while they are looked at: delete must find
  // nothing of the test's holding them.
  auto a = container_space(runc.state("a")["pid"]);
  auto bb = container_space(runc.state("b")["pid"]);
  CHECK(a.addresses(a.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.5.2/24"});
  CHECK(bb.addresses(bb.link("eth0").index, AF_INET) == std::vector<std::string>{"10.89.5.3/24"});
  auto routes = a.routes(AF_INET);
  CHECK(std::any_of(routes.begin(), routes.end(), [](const netns::Route& r) {
    return r.is_default() && r.gateway && r.gateway->to_string() == "10.89.5.1";
  }));
  // The network's bridge, named from its id, holds the gateway.
  CHECK(contains(sb.host().addresses(sb.host().link(bridge).index, AF_INET), "10.89.5.1/24"));
  CHECK(resolv_conf_of(runc.state("a")["pid"]) == "# written by mini-runc from the network spec\nnameserver 10.89.5.1\n");

  a.wait_oper_up("eth0");
  bb.wait_oper_up("eth0");
  check_udp(a, ip("10.89.5.2"), bb, ip("10.89.5.3"));
  CHECK(dns_addresses_once(bb, ip("10.89.5.1"), "a", {"10.89.5.2"}) == std::vector<std::string>{"10.89.5.2"});
  }

  for (const char* id : {"a", "b"}) CHECK(mr({"delete", "--force", id}).status == 0);
  CHECK_FALSE(sb.host().has_link(bridge));
  auto dns_dir = MUST(network::dns_dir_of(sb.host().nl));
  CHECK_FALSE(std::filesystem::exists(dns_dir + "/aardvark.pid"));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(ManagedFixture, "an unknown network, or an address it cannot give, is refused in one line and changes nothing") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.6.0/24"}).status == 0);
  const std::string before = picture();
  struct Case {
    const char* device;
    const char* says;
  };
  for (const Case& c : {Case{R"({"name": "eth0", "network": "nope"})",
                             "/devices/0/network: unknown network \"nope\" (no "},
                        Case{R"({"name": "eth0", "network": "web", "addresses": ["10.1.2.3"]})",
                             "/devices/0/addresses/0: address 10.1.2.3 is in no subnet of network web"},
                        Case{R"({"name": "eth0", "network": "web", "addresses": ["10.89.6.1"]})",
                             "address 10.89.6.1 is network web's gateway"}}) {
    std::string device = c.device;
    CAPTURE(device);
    std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [)" << c.device << "]}";
    b.write();
    auto r = mr({"create", "-b", b.dir, "x"});
    std::string line = refused(r, before, "x");
    CAPTURE(line);
    CHECK(line.find(c.says) != std::string::npos);
  }
}

TEST_CASE_FIXTURE(ManagedFixture, "net attach --network joins a running container to one more network, detach leaves it") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.7.0/24"}).status == 0);
  REQUIRE(mr({"network", "create", "db", "--subnet", "10.89.8.0/24"}).status == 0);
  const std::string before = picture();
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}]})";
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  REQUIRE(mr({"create", "-b", b.dir, "a"}).status == 0);
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "network": "db"}]})";
  REQUIRE(mr({"create", "-b", b.dir, "d"}).status == 0);

  auto attached = mr({"net", "attach", "a", "--network", "db", "--alias", "cache"});
  REQUIRE_MESSAGE(attached.status == 0, attached.err);
  {
    auto a = container_space(runc.state("a")["pid"]);
    auto d = container_space(runc.state("d")["pid"]);
    // The first free name, the next address of db, and a default route behind web's.
    CHECK(a.addresses(a.link("eth1").index, AF_INET) == std::vector<std::string>{"10.89.8.3/24"});
    std::vector<std::string> defaults;
    for (const auto& r : a.routes(AF_INET))
      if (r.is_default()) defaults.push_back(r.gateway->to_string() + " metric " + std::to_string(r.metric));
    CHECK(defaults == std::vector<std::string>{"10.89.7.1 metric 0", "10.89.8.1 metric 100"});
    a.wait_oper_up("eth1");
    d.wait_oper_up("eth0");
    check_udp(a, ip("10.89.8.3"), d, ip("10.89.8.2"));
    CHECK(dns_addresses_once(d, ip("10.89.8.1"), "cache", {"10.89.8.3"}) == std::vector<std::string>{"10.89.8.3"});
  }
  // A second join of one network by the same flags names no device twice.
  auto again = mr({"net", "attach", "a", "--network", "db", "--name", "eth1"});
  CHECK(again.status == 1);
  CHECK(again.err.find("the container has a device named eth1 already") != std::string::npos);

  auto detached = mr({"net", "detach", "a", "eth1"});
  CHECK_MESSAGE(detached.status == 0, detached.err);
  {
    auto a = container_space(runc.state("a")["pid"]);
    CHECK_FALSE(a.has_link("eth1"));
    auto d = container_space(runc.state("d")["pid"]);
    CHECK(dns_addresses_once(d, ip("10.89.8.1"), "cache", {}) == std::vector<std::string>{});
  }
  for (const char* id : {"a", "d"}) CHECK(mr({"delete", "--force", id}).status == 0);
  CHECK(settled_picture(before) == before);
}
