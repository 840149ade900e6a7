// mini-runc's managed networks and the host's firewall, end to end: real connections
// from the stand-in internet, the host and other containers through the nftables rules
// the binary puts in the sandbox host; the rules go with the containers, a taken port is
// refused by name, `network reload` brings the rules back after `flush ruleset`, and the
// ruleset is as it was after the last container. Where a connection must not happen, a
// route that would carry it is there, so only the rules can have stopped it.
#include <doctest/doctest.h>
#include <poll.h>

#include "netns/route.hpp"
#include "netns/sysctl.hpp"
#include "support/apply_helpers.hpp"
#include "support/firewall_host.hpp"
#include "support/managed_host.hpp"
#include "support/udp.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::test;

namespace {

constexpr const char* kOnWeb = R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}]})";

// A table of the host's own, which nothing of ours may touch.
void add_host_table(Space& host) {
  nft_in(host, "add table inet hostfw\n"
               "add chain inet hostfw input { type filter hook input priority 0; policy accept; }\n"
               "add rule inet hostfw input tcp dport 22 counter accept");
}

std::string only_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE_FIXTURE(ManagedFixture, "managed network: a container reaches the internet from the uplink address, an internal one does not") {
  MUST(netns::write_sysctl(sb.host().ns, "net.ipv4.ip_forward", "0"));
  add_host_table(sb.host());
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.11.0/24"}).status == 0);
  REQUIRE(mr({"network", "create", "vault", "--subnet", "10.89.12.0/24", "--internal"}).status == 0);
  const std::string before = picture();
  write_spec(kOnWeb);
  create("a");
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "vault"}]})");
  create("s");
  auto server = tcp_listener(internet, 8000);
  {
    auto a = container_space(runc.state("a")["pid"]);
    auto s = container_space(runc.state("s")["pid"]);
    // The network's way out turned forwarding on.
    CHECK(MUST(netns::read_sysctl(sb.host().ns, "net.ipv4.ip_forward")) == "1");
    a.wait_oper_up("eth0");
    CHECK(tcp_peer(a, kInternetHostIp, 8000, server, kTimeoutMs) == kHostUplinkIp);

    // An internal network gives no way out; a workload that makes one itself, with the
    // internet routing back to it, is still stopped by the host.
    auto routes = s.routes(AF_INET);
    CHECK(std::none_of(routes.begin(), routes.end(), [](const netns::Route& r) { return r.is_default(); }));
    s.wait_oper_up("eth0");
    MUST(netns::add_route(s.nl, netns::default_route(ip("10.89.12.1"))));
    MUST(netns::add_route(internet.nl, {.destination = prefix("10.89.12.0/24"), .gateway = ip(kHostUplinkIp)}));
    CHECK(tcp_peer(s, kInternetHostIp, 8000, server, kRefusedWaitMs) == std::nullopt);
    MUST(netns::delete_route(internet.nl, {.destination = prefix("10.89.12.0/24"), .gateway = ip(kHostUplinkIp)}));
  }
  for (const char* id : {"a", "s"}) CHECK(mr({"delete", "--force", id}).status == 0);
  // Forwarding stays on, as with every engine; everything else is as it was.
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: published ports reach the right container from the internet, the host and the network") {
  SUBCASE("with br_netfilter off") { set_bridge_netfilter(sb.host(), false); }
  SUBCASE("with br_netfilter on") { set_bridge_netfilter(sb.host(), true); }
  add_host_table(sb.host());
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.13.0/24"}).status == 0);
  const std::string before = picture();
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 8080, "containerPort": 80},
              {"hostPort": 8081, "containerPort": 81, "protocol": "udp"},
              {"hostPort": 9000, "containerPort": 7000, "range": 3}]})");
  create("a");
  write_spec(kOnWeb);
  create("b");
  {
    auto a = container_space(runc.state("a")["pid"]);
    auto other = container_space(runc.state("b")["pid"]);
    a.wait_oper_up("eth0");
    other.wait_oper_up("eth0");
    auto web = tcp_listener(a, 80);
    auto bystander = tcp_listener(other, 80);
    auto dns_like = udp_server(a, 81);
    auto last_of_range = tcp_listener(a, 7002);

    // From outside, the client's own address arrives: no masquerade.
    CHECK(tcp_peer(internet, kHostUplinkIp, 8080, web, kTimeoutMs) == kInternetHostIp);
    CHECK_FALSE(wait_ready(bystander.get(), POLLIN, 0));
    CHECK(udp_exchange(internet, kHostUplinkIp, 8081, dns_like) == kInternetHostIp);
    CHECK(tcp_peer(internet, kHostUplinkIp, 9002, last_of_range, kTimeoutMs) == kInternetHostIp);
    // The host on its loopback, and a container through the host's address (hairpin):
    // masqueraded to the gateway, or the replies would not come back the same way.
    CHECK(tcp_peer(sb.host(), "127.0.0.1", 8080, web, kTimeoutMs) == "10.89.13.1");
    CHECK(tcp_peer(other, kHostUplinkIp, 8080, web, kTimeoutMs) == "10.89.13.1");
    // And the container itself, through its own published port.
    CHECK(tcp_peer(a, kHostUplinkIp, 8080, web, kTimeoutMs) == "10.89.13.1");
  }

  // The administrator's view names the network and the ports, and the export asks for them.
  auto shown = nlohmann::json::parse(mr({"net", "show", "a", "--json"}).out);
  const nlohmann::json published = nlohmann::json::parse(R"([{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
      {"hostPort": 8081, "containerPort": 81, "protocol": "udp"},
      {"hostPort": 9000, "containerPort": 7000, "protocol": "tcp", "range": 3}])");
  for (const auto& l : shown["links"])
    if (l["name"] == "eth0") {
      CHECK(l["host"]["network"] == "web");
      CHECK(l["host"]["ports"] == published);
    }
  CHECK(mr({"net", "show", "a"}).out.find("network web, host end ") != std::string::npos);
  CHECK(mr({"net", "show", "a"}).out.find("publishes 8080->80/tcp, 8081->81/udp, 9000+3->7000/tcp") != std::string::npos);
  auto exported = nlohmann::json::parse(mr({"net", "export", "a"}).out);
  CHECK(exported["ports"] == published);
  CHECK(exported["devices"][0]["network"] == "web");

  // A taken port is refused before anything changes, naming who holds it.
  const std::string with_two = picture();
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 9001, "containerPort": 80}]})");
  auto taken = mr({"create", "-b", b.dir, "c"});
  std::string line = refused(taken, with_two, "c");
  CAPTURE(line);
  CHECK(line.find("port 9001/tcp is published by container a") != std::string::npos);

  // A port published on one host address is taken for every address too: refused the
  // same, though the kernel had taken the every-address ports before the check.
  write_spec(std::string(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 7777, "containerPort": 80, "hostIp": ")") + kHostUplinkIp + R"("}]})");
  create("c");
  const std::string with_three = picture();
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 7777, "containerPort": 80}]})");
  line = refused(mr({"create", "-b", b.dir, "d"}), with_three, "d");
  CAPTURE(line);
  CHECK(line.find(std::string("port 7777/tcp is published on ") + kHostUplinkIp + " by container c") != std::string::npos);

  for (const char* id : {"c", "b", "a"}) CHECK(mr({"delete", "--force", id}).status == 0);
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: after flush ruleset, network reload brings the published ports back") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.14.0/24"}).status == 0);
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 8080, "containerPort": 80}]})");
  create("a");
  auto a = container_space(runc.state("a")["pid"]);
  a.wait_oper_up("eth0");
  auto web = tcp_listener(a, 80);
  REQUIRE(tcp_peer(internet, kHostUplinkIp, 8080, web, kTimeoutMs) == kInternetHostIp);
  const std::string ours = ruleset_of(sb.host());

  nft_in(sb.host(), "flush ruleset");
  CHECK(tcp_peer(internet, kHostUplinkIp, 8080, web, kRefusedWaitMs) == std::nullopt);
  auto reloaded = mr({"network", "reload"});
  CHECK_MESSAGE(reloaded.status == 0, reloaded.err);
  CHECK(reloaded.out == "a\n");
  CHECK(ruleset_of(sb.host()) == ours);
  CHECK(tcp_peer(internet, kHostUplinkIp, 8080, web, kTimeoutMs) == kInternetHostIp);
  // Once more changes nothing.
  CHECK(mr({"network", "reload"}).status == 0);
  CHECK(ruleset_of(sb.host()) == ours);
  CHECK(mr({"delete", "--force", "a"}).status == 0);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: a forward chain that drops is named in one warning") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.15.0/24"}).status == 0);
  nft_in(sb.host(), "add table ip filter\n"
                    "add chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }");
  write_spec(kOnWeb);
  auto created = mr({"create", "-b", b.dir, "a"});
  REQUIRE_MESSAGE(created.status == 0, created.err);
  CHECK(only_line(created.err).find("warning: network web: chain ip filter FORWARD drops forwarded packets") !=
        std::string::npos);
  auto reloaded = mr({"network", "reload"});
  CHECK(reloaded.err.find("chain ip filter FORWARD drops forwarded packets") != std::string::npos);
  CHECK(mr({"delete", "--force", "a"}).status == 0);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: two networks cannot reach each other, the internet reaches neither but by a port") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.16.0/24"}).status == 0);
  REQUIRE(mr({"network", "create", "db", "--subnet", "10.89.17.0/24"}).status == 0);
  write_spec(kOnWeb);
  create("a");
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "db"}]})");
  create("d");
  {
    auto a = container_space(runc.state("a")["pid"]);
    auto d = container_space(runc.state("d")["pid"]);
    a.wait_oper_up("eth0");
    d.wait_oper_up("eth0");
    auto server = tcp_listener(a, 80);
    // The host routes between its bridges: only the rules keep them apart.
    CHECK(tcp_peer(d, "10.89.16.2", 80, server, kRefusedWaitMs) == std::nullopt);
    MUST(netns::add_route(internet.nl, {.destination = prefix("10.89.16.0/24"), .gateway = ip(kHostUplinkIp)}));
    CHECK(tcp_peer(internet, "10.89.16.2", 80, server, kRefusedWaitMs) == std::nullopt);
    // The host itself reaches its containers, as with every engine.
    CHECK(tcp_peer(sb.host(), "10.89.16.2", 80, server, kTimeoutMs) == "10.89.16.1");
  }
  for (const char* id : {"a", "d"}) CHECK(mr({"delete", "--force", id}).status == 0);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: network rm refuses a network in use, naming its containers, and prune keeps it") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.18.0/24"}).status == 0);
  write_spec(kOnWeb);
  create("a");
  auto rm = mr({"network", "rm", "web"});
  CHECK(rm.status == 1);
  CHECK(only_line(rm.err).find("network \"web\" is in use by a (--force") != std::string::npos);
  CHECK(mr({"network", "prune"}).out == "");
  CHECK(mr({"network", "inspect", "web"}).status == 0);
  CHECK(mr({"delete", "--force", "a"}).status == 0);
  auto gone = mr({"network", "rm", "web"});
  CHECK_MESSAGE(gone.status == 0, gone.err);
}

TEST_CASE_FIXTURE(ManagedFixture, "managed network: a runtime killed at any step of a networked create leaves nothing after cleanup") {
  require_fault_injection();
  // Forwarding on already (a host that forwards): every run has the same steps.
  MUST(netns::write_sysctl(sb.host().ns, "net.ipv4.ip_forward", "1"));
  add_host_table(sb.host());
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.19.0/24"}).status == 0);
  write_spec(R"({"version": 1, "devices": [{"name": "eth0", "network": "web"}],
    "ports": [{"hostPort": 8080, "containerPort": 80}]})");
  const std::string before = picture();
  int steps = each_step([&](int n) {
    auto finished = crash_at_step(runc, {"--network-dir", networks, "create", "-b", b.dir, "x"}, n);
    if (finished) {
      CHECK(*finished == 0);
      CHECK(mr({"delete", "--force", "x"}).status == 0);
      return false;
    }
    auto o = mr({"cleanup"});
    CHECK_MESSAGE(o.status == 0, o.err);
    CHECK(settled_picture(before) == before);
    // The address and the port are free again: the network has no user, and another
    // container publishes the same port.
    CHECK(mr({"network", "rm", "web"}).status == 0);
    REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.19.0/24"}).status == 0);
    create("y");
    CHECK(mr({"delete", "--force", "y"}).status == 0);
    return true;
  });
  // Loopback; the lease, the bridge, its gateway, the firewall, the veth, its host end's
  // IPv6 link-local address, the container's address, up, its default route; the state.
  CHECK(steps == 11);
}
