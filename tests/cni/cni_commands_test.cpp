// What a runtime asks of mini-runc-cni beyond ADD, DEL and CHECK of a plain attachment:
// the address and MAC it wants (CNI_ARGS, runtimeConfig), more names in the network's
// DNS, a place in a chain after another plugin (prevResult), STATUS and GC (1.1.0). Each
// is read back from the kernel, the network's DNS server or the state directory.
#include <doctest/doctest.h>

#include "netns/address.hpp"
#include "support/cni_host.hpp"
#include "support/dns_query.hpp"
#include "support/firewall_host.hpp"

using namespace mr;
using namespace mr::test;
using nlohmann::json;

namespace {

CniRun run_with(CniFixture& f, std::map<std::string, std::string> extra, const std::string& command,
                const std::string& id, const CniPod& p, const json& conf) {
  std::map<std::string, std::string> env{{"CNI_COMMAND", command}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"},
                                         {"CNI_NETNS", p.path}, {"CNI_PATH", "/opt/cni/bin"}};
  env.merge(extra);
  return f.cni(env, conf.dump());
}

// Runs STATUS or GC, which name no attachment.
CniRun run_plugin_wide(CniFixture& f, const std::string& command, const json& conf) {
  return f.cni({{"CNI_COMMAND", command}, {"CNI_PATH", "/opt/cni/bin"}}, conf.dump());
}

// `conf` publishing host port `port` to the pod's 80 (none for 0).
json with_ports(json conf, uint16_t port) {
  if (port != 0) conf["runtimeConfig"] = {{"portMappings", {{{"hostPort", port}, {"containerPort", 80}, {"protocol", "tcp"}}}}};
  return conf;
}

std::string address_of(CniPod& p) {
  auto eth0 = p.space.link("eth0");
  auto a = p.space.addresses(eth0.index, AF_INET);
  REQUIRE(a.size() == 1);
  return a.front();
}

}  // namespace

TEST_CASE_FIXTURE(CniFixture, "cni: CNI_ARGS IP and MAC give the pod its address and MAC and runtimeConfig's win over them") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.40.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();

  SUBCASE("from CNI_ARGS") {
    auto add = run_with(*this, {{"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=a;IP=10.89.40.77;MAC=02:00:00:40:00:77"}},
                        "ADD", "c1", p, config("web"));
    REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
    CHECK(address_of(p) == "10.89.40.77/24");
    CHECK(p.space.link("eth0").mac->to_string() == "02:00:00:40:00:77");
    CHECK(add.json()["interfaces"][1]["mac"] == "02:00:00:40:00:77");
    CHECK(add.json()["ips"][0]["address"] == "10.89.40.77/24");
  }
  SUBCASE("runtimeConfig over CNI_ARGS") {
    json conf = config("web");
    conf["runtimeConfig"] = {{"ips", {"10.89.40.88/24"}}, {"mac", "02:00:00:40:00:88"}};
    auto add = run_with(*this, {{"CNI_ARGS", "IP=10.89.40.77;MAC=02:00:00:40:00:77"}}, "ADD", "c1", p, conf);
    REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
    CHECK(address_of(p) == "10.89.40.88/24");
    CHECK(p.space.link("eth0").mac->to_string() == "02:00:00:40:00:88");
  }
  CHECK(run("DEL", "c1", p.path, "eth0", config("web")).status == 0);
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(CniFixture, "cni: an address asked for that the network cannot give is refused naming where it was asked") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.41.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  auto first = run_with(*this, {{"CNI_ARGS", "IP=10.89.41.5"}}, "ADD", "c0", p, config("web"));
  REQUIRE_MESSAGE(first.status == 0, first.out, first.err);
  auto p2 = pod("p2");
  const std::string before = picture();

  json outside = config("web");
  outside["runtimeConfig"] = {{"ips", {"10.1.2.3"}}};
  auto r = run_with(*this, {}, "ADD", "c1", p2, outside);
  CHECK(r.status == 1);
  CHECK(r.json()["code"] == 7);
  CHECK(r.json()["msg"] == "stdin:/runtimeConfig/ips/0: address 10.1.2.3 is in no subnet of network web");

  auto held = run_with(*this, {{"CNI_ARGS", "IP=10.89.41.5"}}, "ADD", "c1", p2, config("web"));
  CHECK(held.status == 1);
  CHECK(held.json()["msg"] == "CNI_ARGS:IP: device eth0: address 10.89.41.5 on network web is taken by container "
                              "\"c0\": Address already in use");
  CHECK(picture() == before);
  CHECK_FALSE(attached("c1", "eth0"));
  CHECK(run("DEL", "c0", p.path, "eth0", config("web")).status == 0);
}

TEST_CASE_FIXTURE(CniFixture, "cni: runtimeConfig aliases of this network name the pod in its DNS") {
  REQUIRE(mr({"network", "create", "named", "--subnet", "10.89.42.0/24"}).status == 0);
  auto p = pod("p1");
  json conf = config("named");
  conf["runtimeConfig"] = {{"aliases", {{"named-net", {"web", "www"}}, {"other-net", {"elsewhere"}}}}};
  auto add = run_with(*this, {}, "ADD", "c1", p, conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  const std::string ip = address_of(p).substr(0, address_of(p).find('/'));
  const auto gateway = *netns::IpAddress::parse("10.89.42.1");
  CHECK(dns_addresses_once(p.space, gateway, "www", {ip}) == std::vector<std::string>{ip});
  CHECK(dns_addresses_once(p.space, gateway, "web", {ip}) == std::vector<std::string>{ip});
  auto other = dns_query(p.space, gateway, "elsewhere");
  REQUIRE(other);
  CHECK(other->addresses.empty());
  CHECK(run("DEL", "c1", p.path, "eth0", config("named")).status == 0);
}

TEST_CASE_FIXTURE(CniFixture, "cni: ADD after another plugin passes its result on with ours added") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.43.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const json prev = json::parse(R"({"cniVersion": "1.0.0",
      "interfaces": [{"name": "lo9", "sandbox": "/x"}, {"name": "net1", "mac": "02:00:00:00:00:09", "sandbox": "/x"}],
      "ips": [{"interface": 1, "address": "192.0.2.9/24", "gateway": "192.0.2.1"}],
      "routes": [{"dst": "198.51.100.0/24", "gw": "192.0.2.1"}],
      "dns": {"nameservers": ["192.0.2.53"]}})");
  json conf = config("web");
  conf["prevResult"] = prev;
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  json r = add.json();
  REQUIRE(r["interfaces"].size() == 4);
  CHECK(r["interfaces"][0] == prev["interfaces"][0]);
  CHECK(r["interfaces"][1] == prev["interfaces"][1]);
  CHECK(r["interfaces"][3]["name"] == "eth0");
  REQUIRE(r["ips"].size() == 2);
  CHECK(r["ips"][0] == prev["ips"][0]);
  CHECK(r["ips"][1]["interface"] == 3);
  CHECK(r["ips"][1]["address"] == address_of(p));
  CHECK(r["routes"] == json::parse(R"([{"dst": "198.51.100.0/24", "gw": "192.0.2.1"}, {"dst": "0.0.0.0/0", "gw": "10.89.43.1"}])"));
  CHECK(r["dns"] == prev["dns"]);
  // CHECK and DEL get the chain's result as prevResult.
  conf["prevResult"] = r;
  auto check = run("CHECK", "c1", p.path, "eth0", conf);
  CHECK_MESSAGE(check.status == 0, check.out);
  CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
  CHECK_FALSE(p.space.has_link("eth0"));
}

TEST_CASE_FIXTURE(CniFixture, "cni: STATUS is code 50 while an ADD could not succeed and 0 when it could") {
  // A /30 has one address for containers besides the gateway.
  REQUIRE(mr({"network", "create", "tiny", "--subnet", "10.89.44.0/30", "--no-dns"}).status == 0);
  const std::string before = picture();
  auto status = [&](const std::string& network, const std::string& version = "1.1.0") {
    return run_plugin_wide(*this, "STATUS", config(network, version));
  };
  auto ok = status("tiny");
  CHECK_MESSAGE(ok.status == 0, ok.out, ok.err);
  CHECK(ok.out.empty());
  CHECK(picture() == before);

  auto p = pod("p1");
  auto add = run("ADD", "c1", p.path, "eth0", config("tiny", "1.1.0"));
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  auto full = status("tiny");
  CHECK(full.status == 1);
  CHECK(full.json()["code"] == 50);
  CHECK(full.json()["msg"] == "network tiny has no free address in 10.89.44.0/30: No space left on device");

  auto unknown = status("nope");
  CHECK(unknown.json()["code"] == 50);
  CHECK(unknown.json()["msg"].get<std::string>().find("unknown network \"nope\"") != std::string::npos);
  auto old = status("tiny", "1.0.0");
  CHECK(old.json()["code"] == 1);
  CHECK(old.json()["msg"] == "stdin:/cniVersion: STATUS needs version 1.1.0 or later (got \"1.0.0\")");

  CHECK(run("DEL", "c1", p.path, "eth0", config("tiny", "1.1.0")).status == 0);
  CHECK(status("tiny").status == 0);
}

TEST_CASE_FIXTURE(CniFixture, "cni: GC gives back what is not listed and leaves the listed and other networks' alone") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.45.0/24", "--no-dns"}).status == 0);
  REQUIRE(mr({"network", "create", "db", "--subnet", "10.89.46.0/24", "--no-dns"}).status == 0);
  auto keep = pod("keep");
  auto stale = pod("stale");
  auto other = pod("other");
  const std::string before = picture();
  for (auto [id, p, network] : {std::tuple{"keep", &keep, "web"}, std::tuple{"stale", &stale, "web"},
                                std::tuple{"other", &other, "db"}}) {
    auto add = run("ADD", id, p->path, "eth0", with_ports(config(network, "1.1.0"), id == std::string("stale") ? 8090 : 0));
    REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  }
  json gc = config("web", "1.1.0");
  gc["cni.dev/valid-attachments"] = json::parse(R"([{"containerID": "keep", "ifname": "eth0"}])");
  auto r = run_plugin_wide(*this, "GC", gc);
  CHECK_MESSAGE(r.status == 0, r.out, r.err);

  CHECK_FALSE(attached("stale", "eth0"));
  CHECK_FALSE(stale.space.has_link("eth0"));
  CHECK(nft_elements(ruleset_of(sb.host()), "dnat4_port").empty());
  CHECK(attached("keep", "eth0"));
  CHECK(keep.space.has_link("eth0"));
  CHECK(attached("other", "eth0"));
  CHECK(other.space.has_link("eth0"));
  // Another GC with the same list finds nothing more to do.
  CHECK(run_plugin_wide(*this, "GC", gc).status == 0);
  CHECK(keep.space.has_link("eth0"));

  CHECK(run("DEL", "keep", keep.path, "eth0", config("web", "1.1.0")).status == 0);
  CHECK(run("DEL", "other", other.path, "eth0", config("db", "1.1.0")).status == 0);
  CHECK(settled_picture(before) == before);
}
