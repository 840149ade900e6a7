// mini-runc-cni run as a runtime runs it: parameters in the environment, the plugin
// configuration on stdin, against a pod namespace the test made and bind-mounted. What
// the result says is read back from the kernel (the pod's link and address, the veth's
// host end on the network's bridge, the published port in nftables); DEL gives back all
// of it, twice, and after the pod's namespace is gone; bad input is its spec code in one
// line and changes nothing on the host.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include "netns/address.hpp"
#include "netns/route.hpp"
#include "support/cni_host.hpp"
#include "support/firewall_host.hpp"

using namespace mr;
using namespace mr::test;
using nlohmann::json;

namespace {

json with_port(json conf, uint16_t host_port, uint16_t container_port) {
  conf["runtimeConfig"] = {{"portMappings", {{{"hostPort", host_port}, {"containerPort", container_port}, {"protocol", "tcp"}}}}};
  return conf;
}

// The refusal contract: exit status 1, the spec's error object with `code` on stdout,
// its msg one line starting with `starts`, nothing on stderr.
void refused_by_plugin(const CniRun& r, int code, const std::string& starts) {
  INFO("stdout: " << r.out << " stderr: " << r.err);
  CHECK(r.status == 1);
  json e = r.json();
  CHECK(e["code"] == code);
  std::string msg = e.value("msg", "");
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(msg.starts_with(starts));
  CHECK(r.err.empty());
}

}  // namespace

TEST_CASE_FIXTURE(CniFixture, "cni: ADD puts CNI_IFNAME in the pod on the network with its port, CHECK finds it, DEL gives all back") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.31.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();

  auto add = run("ADD", "c1", p.path, "eth0", with_port(config("web"), 8080, 80));
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  json r = add.json();
  CHECK(r["cniVersion"] == "1.0.0");
  REQUIRE(r["interfaces"].size() == 2);
  REQUIRE(r["ips"].size() == 1);

  // The pod's end, as the result says: its name, MAC and the one address, in the subnet.
  auto eth0 = p.space.link("eth0");
  CHECK(eth0.up());
  CHECK(r["interfaces"][1] == json{{"name", "eth0"}, {"mac", eth0.mac->to_string()}, {"sandbox", p.path}});
  const std::string address = r["ips"][0]["address"];
  CHECK(p.space.addresses(eth0.index, AF_INET) == std::vector<std::string>{address});
  CHECK(netns::IpPrefix::parse("10.89.31.0/24")->contains(netns::IpPrefix::parse(address)->address));
  CHECK(r["ips"][0] == json{{"interface", 1}, {"address", address}, {"gateway", "10.89.31.1"}});
  CHECK(r["routes"] == json::parse(R"([{"dst": "0.0.0.0/0", "gw": "10.89.31.1"}])"));
  auto routes = p.space.routes(AF_INET);
  CHECK(std::any_of(routes.begin(), routes.end(), [&](const netns::Route& rt) {
    return rt.is_default() && rt.oif == eth0.index && rt.gateway == *netns::IpAddress::parse("10.89.31.1");
  }));
  CHECK(r["dns"] == json::object());

  // The host's end is a port of the network's bridge, which holds the gateway.
  const std::string host_end = r["interfaces"][0]["name"];
  auto veth = sb.host().link(host_end);
  REQUIRE(veth.master != 0);
  auto bridge = MUST(netns::get_link(sb.host().nl, veth.master));
  CHECK(bridge.kind == "bridge");
  CHECK(contains(sb.host().addresses(bridge.index, AF_INET), "10.89.31.1/24"));

  // The port is published to the pod's address, in the container's name.
  const std::string ruleset = ruleset_of(sb.host());
  const std::string pod_ip = address.substr(0, address.find('/'));
  CHECK(nft_elements(ruleset, "dnat4_port") == json::array({port_element(8080, "c1", 80)}));
  CHECK(nft_elements(ruleset, "dnat4_addr") == json::array({port_element(8080, "c1", pod_ip)}));

  auto check = run("CHECK", "c1", p.path, "eth0", config("web"));
  CHECK_MESSAGE(check.status == 0, check.out);
  CHECK(check.out.empty());

  for (int i = 0; i < 2; ++i) {  // the second DEL finds nothing and succeeds
    auto del = run("DEL", "c1", p.path, "eth0", config("web"));
    CHECK_MESSAGE(del.status == 0, del.out, del.err);
    CHECK(del.out.empty());
  }
  CHECK_FALSE(attached("c1", "eth0"));
  // The pod's namespace is the runtime's and lives on: its device went by our hand.
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(CniFixture, "cni: the result is written in the configuration's version") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.32.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  for (const char* version : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    CAPTURE(version);
    auto add = run("ADD", "c1", p.path, "eth0", config("web", version));
    REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
    json r = add.json();
    CHECK(r["cniVersion"] == version);
    bool old = std::string(version) < "1.0.0";
    CHECK(r["ips"][0].contains("version") == old);
    if (old) CHECK(r["ips"][0]["version"] == "4");
    CHECK(r["interfaces"][1].contains("mtu") == (std::string(version) == "1.1.0"));
    if (r["interfaces"][1].contains("mtu")) CHECK(r["interfaces"][1]["mtu"] == p.space.link("eth0").mtu);
    CHECK(run("DEL", "c1", p.path, "eth0", config("web", version)).status == 0);
  }
}

TEST_CASE_FIXTURE(CniFixture, "cni: on a network that answers names, the result's name server is the gateway") {
  REQUIRE(mr({"network", "create", "named", "--subnet", "10.89.39.0/24"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();
  auto add = run("ADD", "c1", p.path, "eth0", config("named"));
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  CHECK(add.json()["dns"] == json::parse(R"({"nameservers": ["10.89.39.1"]})"));
  CHECK(run("DEL", "c1", p.path, "eth0", config("named")).status == 0);
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(CniFixture, "cni: DEL after the runtime removed the pod's namespace gives back the device, the lease and the port") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.33.0/30", "--no-dns"}).status == 0);
  const std::string before = picture();
  auto p = pod("p1");
  auto add = run("ADD", "c1", p.path, "eth0", with_port(config("web"), 8080, 80));
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  const std::string host_end = add.json()["interfaces"][0]["name"];
  remove_pod(p);
  SUBCASE("without CNI_NETNS") {
    CHECK(run("DEL", "c1", "", "eth0", config("web")).status == 0);
  }
  SUBCASE("with the path that is gone") {
    CHECK(run("DEL", "c1", p.path, "eth0", config("web")).status == 0);
  }
  CHECK_FALSE(attached("c1", "eth0"));
  CHECK_FALSE(sb.host().has_link(host_end));
  CHECK(settled_picture(before) == before);
  // The /30 has one address to hand out: it is free again, and so is the port.
  auto q = pod("p2");
  auto again = run("ADD", "c2", q.path, "eth0", with_port(config("web"), 8080, 80));
  CHECK_MESSAGE(again.status == 0, again.out);
  CHECK(run("DEL", "c2", q.path, "eth0", config("web")).status == 0);
}

TEST_CASE_FIXTURE(CniFixture, "cni: DEL of what was never added succeeds and changes nothing") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.34.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();
  CHECK(run("DEL", "nobody", p.path, "eth0", config("web")).status == 0);
  CHECK(run("DEL", "nobody", "", "eth0", config("web")).status == 0);
  CHECK(picture() == before);
}

TEST_CASE_FIXTURE(CniFixture, "cni: CHECK names what the workload changed, and is code 3 for an attachment never added") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.35.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();
  refused_by_plugin(run("CHECK", "c1", p.path, "eth0", config("web")), 3, "container c1 has no eth0 on network web");

  auto add = run("ADD", "c1", p.path, "eth0", config("web"));
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  const std::string address = add.json()["ips"][0]["address"];
  // The chain's result as the runtime hands it back: what it lists must be there.
  json with_prev = config("web");
  with_prev["prevResult"] = add.json();
  CHECK(run("CHECK", "c1", p.path, "eth0", with_prev).status == 0);
  with_prev["prevResult"]["ips"].push_back({{"interface", 1}, {"address", "10.89.35.200/24"}});
  refused_by_plugin(run("CHECK", "c1", p.path, "eth0", with_prev), 999,
                    "eth0: address 10.89.35.200/24 of prevResult is missing");
  auto eth0 = p.space.link("eth0");
  MUST(netns::delete_address(p.space.nl, eth0.index, *netns::IpPrefix::parse(address)));
  refused_by_plugin(run("CHECK", "c1", p.path, "eth0", config("web")), 999, "eth0: address " + address + " is missing");
  // Another namespace at the path is not the one ADD configured.
  auto other = pod("p2");
  refused_by_plugin(run("CHECK", "c1", other.path, "eth0", config("web")), 999,
          "CNI_NETNS: " + other.path + " is not the namespace ADD configured");
  CHECK(run("DEL", "c1", p.path, "eth0", config("web")).status == 0);
  MUST(netns::Netns::unpin(other.path));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(CniFixture, "cni: VERSION answers in the asked version with the supported list") {
  auto r = cni({{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion": "0.4.0"})");
  CHECK(r.status == 0);
  CHECK(r.json() == json::parse(R"({"cniVersion": "0.4.0", "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]})"));
}

TEST_CASE_FIXTURE(CniFixture, "cni: bad parameters and configurations of any command are their code in one line and change nothing") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.36.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  // An attachment already there: a second ADD of it, and a port it holds, are refused too.
  auto first = run("ADD", "c0", p.path, "eth0", with_port(config("web"), 8080, 80));
  REQUIRE_MESSAGE(first.status == 0, first.out, first.err);
  const std::string before = picture();
  const std::string plain_file = tmp.file("plain");
  ::close(::open(plain_file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));

  struct Case {
    const char* what;
    std::map<std::string, std::string> env;
    json conf;
    int code;
    std::string starts;
  };
  const std::map<std::string, std::string> env{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"},
                                               {"CNI_NETNS", p.path}, {"CNI_IFNAME", "eth1"}};
  auto with = [&](const char* key, const std::string& value) {
    auto e = env;
    if (value.empty()) e.erase(key);
    else e[key] = value;
    return e;
  };
  auto same_as_first = env;
  same_as_first["CNI_CONTAINERID"] = "c0";
  same_as_first["CNI_IFNAME"] = "eth0";
  auto conf_with = [&](const char* key, json value) {
    json c = config("web");
    if (value.is_null()) c.erase(key);
    else c[key] = std::move(value);
    return c;
  };
  const Case cases[] = {
      {"no CNI_COMMAND", with("CNI_COMMAND", ""), config("web"), 4, "CNI_COMMAND: not set"},
      {"no CNI_IFNAME", with("CNI_IFNAME", ""), config("web"), 4, "CNI_IFNAME: not set"},
      {"no CNI_NETNS", with("CNI_NETNS", ""), config("web"), 4, "CNI_NETNS: not set"},
      {"unknown CNI_ARGS", with("CNI_ARGS", "FOO=1"), config("web"), 4, "CNI_ARGS: unknown argument FOO"},
      {"a bad CNI_ARGS IP", with("CNI_ARGS", "IP=10.89.36.300"), config("web"), 4, "CNI_ARGS: IP: expected IPv4 or IPv6"},
      {"a bad CNI_ARGS MAC", with("CNI_ARGS", "MAC=02:00"), config("web"), 4, "CNI_ARGS: MAC: expected a MAC address"},
      {"CNI_NETNS missing", with("CNI_NETNS", tmp.file("pods/none")), config("web"), 4,
       "CNI_NETNS: open network namespace " + tmp.file("pods/none") + ": No such file"},
      {"CNI_NETNS a plain file", with("CNI_NETNS", plain_file), config("web"), 4,
       "CNI_NETNS: open network namespace " + plain_file + ": not a network namespace"},
      {"CNI_NETNS a mount namespace", with("CNI_NETNS", "/proc/self/ns/mnt"), config("web"), 4,
       "CNI_NETNS: open network namespace /proc/self/ns/mnt: not a network namespace"},
      {"CNI_NETNS the plugin's own", with("CNI_NETNS", "/proc/self/ns/net"), config("web"), 4,
       "CNI_NETNS: /proc/self/ns/net is the plugin's own network namespace"},
      {"unsupported version", env, conf_with("cniVersion", "0.2.0"), 1, "stdin:/cniVersion: unsupported version \"0.2.0\""},
      {"IPAM with a network", env, conf_with("ipam", {{"type", "host-local"}}), 7,
       "stdin:/ipam: ipam goes with device, hwaddr, master or bridge, not with network"},
      {"no network", env, conf_with("network", nullptr), 7, "stdin:/network: missing"},
      {"unknown network", env, conf_with("network", "nope"), 7, "stdin:/network: unknown network \"nope\""},
      {"bad port", env, with_port(config("web"), 0, 80), 7, "stdin:/runtimeConfig/portMappings/0/hostPort: expected a number"},
      {"a taken port", env, with_port(config("web"), 8080, 81), 999,
       "stdin:/runtimeConfig/portMappings/0: device eth1: add the firewall rules of container c1: port 8080/tcp is "
       "published by container c0"},
      {"the same attachment again", same_as_first, with_port(config("web"), 8081, 80), 999, "container c0 has eth0 already"},
      {"an unknown CNI_COMMAND", with("CNI_COMMAND", "UP"), config("web"), 4, "CNI_COMMAND: expected ADD, DEL, CHECK"},
      {"DEL with an unknown field", with("CNI_COMMAND", "DEL"), conf_with("ipMasq", true), 2, "stdin:/ipMasq: unsupported field ipMasq = true"},
      {"CHECK before 0.4.0", with("CNI_COMMAND", "CHECK"), conf_with("cniVersion", "0.3.1"), 1,
       "stdin:/cniVersion: CHECK needs version 0.4.0 or later"},
      {"STATUS before 1.1.0", with("CNI_COMMAND", "STATUS"), config("web"), 1, "stdin:/cniVersion: STATUS needs version 1.1.0"},
      {"GC without its list", with("CNI_COMMAND", "GC"), conf_with("cniVersion", "1.1.0"), 7,
       "stdin:/cni.dev~1valid-attachments: missing"},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    auto r = cni(c.env, c.conf.dump());
    refused_by_plugin(r, c.code, c.starts);
    CHECK(picture() == before);
    CHECK_FALSE(attached("c1", "eth1"));
  }
  // Malformed JSON, in the latest version as nothing else could be read.
  auto r = cni(env, "{\"cniVersion\": ");
  refused_by_plugin(r, 6, "stdin:");
  CHECK(r.json()["cniVersion"] == "1.1.0");
  CHECK(picture() == before);
  CHECK(run("DEL", "c0", p.path, "eth0", config("web")).status == 0);
}
