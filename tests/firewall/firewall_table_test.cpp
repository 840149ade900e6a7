// What nftables holds of our table after each change, read back through the library; the
// other tables of the host, untouched; refusals and failed batches that change nothing.
#include <doctest/doctest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "base/fault.hpp"
#include "support/cni_host.hpp"
#include "support/firewall_host.hpp"
#include "support/scoped_env.hpp"

using namespace mr;
using namespace mr::firewall;
using namespace mr::test;
using nlohmann::json;

// A table of the host's own, made before ours and compared byte for byte after.
static std::string make_other_table(FirewallHost& h) {
  h.nft("add table inet other");
  h.nft("add chain inet other input { type filter hook input priority 0; policy accept; }");
  h.nft("add rule inet other input tcp dport 22 counter accept");
  return h.nft("list table inet other");
}

TEST_CASE("firewall: the table holds each container's ports and goes with the last, other tables untouched") {
  FirewallHost h;
  const std::string other = make_other_table(h);
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  ContainerRules web{.network = net, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}};
  web.ports.push_back({.protocol = Protocol::sctp, .host_port = 3868, .container_port = 3868,
                       .container_ip = *netns::IpAddress::parse("10.89.0.2")});
  ContainerRules db{.network = net, .container = "db", .ports = {tcp_port(5432, 5432, "10.89.0.3")}};
  db.ports[0].host_ip = *netns::IpAddress::parse(kUplinkIp);

  REQUIRE(h.table() == "");
  h.add(web);
  h.add(db);
  std::string both = h.table();
  CHECK(nft_elements(both, "bridges") == json::array({"mr-front"}));
  CHECK(nft_elements(both, "nat_subnets4") == json::array({{{"prefix", {{"addr", "10.89.0.0"}, {"len", 24}}}}}));
  CHECK(nft_elements(both, "internal_bridges") == json::array());
  CHECK(nft_elements(both, "dnat4_addr") == json::array({port_element(3868, "web", "10.89.0.2", "sctp"),
                                                     port_element(8080, "web", "10.89.0.2")}));
  CHECK(nft_elements(both, "dnat4_port") == json::array({port_element(3868, "web", 3868, "sctp"),
                                                     port_element(8080, "web", 80)}));
  json by_ip = json::array({json::array(
      {json{{"elem", {{"comment", "db"}, {"val", {{"concat", json::array({kUplinkIp, "tcp", 5432})}}}}}}, "10.89.0.3"})});
  CHECK(nft_elements(both, "dnat4_ip_addr") == by_ip);

  // Adding a container's rules again (a rebuild) changes nothing.
  h.add(web);
  CHECK(h.table() == both);

  h.remove(web, false);
  std::string db_only = h.table();
  CHECK(nft_elements(db_only, "dnat4_addr") == json::array());
  CHECK(nft_elements(db_only, "dnat4_ip_addr") == by_ip);
  CHECK(nft_elements(db_only, "bridges") == json::array({"mr-front"}));
  // Removing again is no error and changes nothing.
  h.remove(web, false);
  CHECK(h.table() == db_only);

  h.remove(db, true);
  CHECK(h.table() == "");
  CHECK(h.nft("list table inet other") == other);
}

TEST_CASE("firewall: a published host port is refused naming its holder, and nothing changes") {
  FirewallHost h;
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  ContainerRules web{.network = net, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}};
  h.add(web);
  const std::string before = h.table();

  ContainerRules api{.network = net, .container = "api",
                     .ports = {tcp_port(9090, 90, "10.89.0.3"), tcp_port(8079, 80, "10.89.0.3", 3)}};
  std::optional<std::string> holder;
  auto r = h.with_firewall([&](Firewall& fw) -> Result<void> {
    holder = MR_TRY_VALUE(fw.port_holder(Protocol::tcp, 8080, std::nullopt));
    return fw.add_container(api);
  });
  REQUIRE_FALSE(r.has_value());
  CHECK(holder == "web");
  CHECK(r.error().err == EADDRINUSE);
  CHECK(r.error().pointer == "/ports/1");
  CHECK(r.error().message().find("port 8080/tcp is published by container web") != std::string::npos);
  CHECK(h.table() == before);

  // The same port to the same address (an address given out again) is refused too: the
  // kernel would take an equal element as the same one.
  api.ports = {tcp_port(8080, 80, "10.89.0.2")};
  r = h.with_firewall([&](Firewall& fw) { return fw.add_container(api); });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("published by container web") != std::string::npos);
  CHECK(h.table() == before);

  // On one host address too: every address includes it.
  api.ports = {tcp_port(8080, 80, "10.89.0.3")};
  api.ports[0].host_ip = *netns::IpAddress::parse(kUplinkIp);
  r = h.with_firewall([&](Firewall& fw) { return fw.add_container(api); });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("published by container web") != std::string::npos);
  CHECK(h.table() == before);
}

TEST_CASE("firewall: a port published on one host address is refused on every address, naming its holder") {
  FirewallHost h;
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  ContainerRules db{.network = net, .container = "db", .ports = {tcp_port(5432, 5432, "10.89.0.3")}};
  db.ports[0].host_ip = *netns::IpAddress::parse(kUplinkIp);
  h.add(db);
  const std::string before = h.table();

  // A range over it, on every address: refused at the range's mapping, and the ports of
  // the range (put in before the check) are out again.
  ContainerRules api{.network = net, .container = "api",
                     .ports = {tcp_port(9090, 90, "10.89.0.4"), tcp_port(5430, 5430, "10.89.0.4", 4)}};
  auto r = h.with_firewall([&](Firewall& fw) { return fw.add_container(api); });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().err == EADDRINUSE);
  CHECK(r.error().pointer == "/ports/1");
  CHECK(r.error().message().find(std::string("port 5432/tcp is published on ") + kUplinkIp + " by container db") !=
        std::string::npos);
  CHECK(h.table() == before);

  // The same port of another protocol is free.
  api.ports = {tcp_port(5432, 5432, "10.89.0.4")};
  api.ports[0].protocol = Protocol::udp;
  h.add(api);
  CHECK(nft_elements(h.table(), "dnat4_addr") == json::array({port_element(5432, "api", "10.89.0.4", "udp")}));
  h.remove(api, false);
  CHECK(h.table() == before);
}

// 2,000 elements, about 250 KiB of batch: more than a netlink socket's default send
// buffer, and still one transaction.
TEST_CASE("firewall: a range of 1000 host ports goes in and out in one transaction each") {
  FirewallHost h;
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  ContainerRules filler{.network = net, .container = "filler", .ports = {tcp_port(20000, 20000, "10.89.0.2", 1000)}};
  h.add(filler);
  const std::string table = h.table();
  json ports = nft_elements(table, "dnat4_port");
  REQUIRE(ports.size() == 1000);
  std::set<int> listed;  // nft lists a hash map's elements in its own order
  for (const auto& e : ports) {
    int port = e[1].get<int>();
    CHECK(e == port_element(static_cast<uint16_t>(port), "filler", port));
    listed.insert(port);
  }
  CHECK(listed.size() == 1000);
  CHECK(*listed.begin() == 20000);
  CHECK(*listed.rbegin() == 20999);
  CHECK(nft_elements(table, "dnat4_addr").size() == 1000);
  h.remove(filler, true);
  CHECK(h.table() == "");
}

TEST_CASE("firewall: a batch the kernel refuses at its last command changes nothing") {
  if (!FaultInjector::enabled()) FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
  FirewallHost h;
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  ContainerRules web{.network = net, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}};
  ContainerRules api{.network = net, .container = "api", .ports = {tcp_port(9090, 90, "10.89.0.3")}};
  {
    ScopedEnv spoil("MR_FIREWALL_FAIL_BATCH", "1");
    auto r = h.with_firewall([&](Firewall& fw) { return fw.add_container(web); });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().err == ENOENT);
  }
  CHECK(h.table() == "");  // not even the table: the whole transaction was refused

  h.add(web);
  const std::string before = h.table();
  ScopedEnv spoil("MR_FIREWALL_FAIL_BATCH", "1");
  CHECK_FALSE(h.with_firewall([&](Firewall& fw) { return fw.add_container(api); }).has_value());
  CHECK(h.table() == before);
  CHECK_FALSE(h.with_firewall([&](Firewall& fw) { return fw.remove_container(web, true); }).has_value());
  CHECK(h.table() == before);
}

TEST_CASE("firewall: a bad bridge name is refused in one line before nftables is asked") {
  FirewallHost h;
  auto net = h.network("front", "mr-front", "10.89.0.1/24");
  net.bridge = "bridge-name-too-long";
  ContainerRules web{.network = net, .container = "web", .ports = {tcp_port(8080, 80, "10.89.0.2")}};
  auto r = h.with_firewall([&](Firewall& fw) { return fw.add_container(web); });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().pointer == "/network/bridge");
  CHECK(r.error().message().find('\n') == std::string::npos);
  CHECK(h.table() == "");
}
