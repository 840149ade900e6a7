#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "netspec/network_spec.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::netspec;
using namespace mr;
using namespace mr::netns;
using nlohmann::json;
using mr::test::has_problem_at;
using mr::test::messages;

namespace {

netspec::SpecCheck check(const json& doc) { return netspec::check_network_spec(doc.dump(), "net.json"); }


// The one problem of a spec, as its one-line message.
std::string only_problem(const json& doc) {
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.problems.size() == 1);
  return c.problems[0].message();
}


json base() {
  return json::parse(R"({"version": 1,
    "devices": [
      {"name": "eth0", "move": "enp3s0", "addresses": ["192.0.2.10/24", "2001:db8::10/64"]},
      {"name": "eth1", "veth": {"bridge": "mr0"}, "addresses": ["10.88.0.5/16"], "mtu": 1400},
      {"name": "eth2", "macvlan": {"parent": "enp4s0", "mode": "bridge"}, "addresses": ["198.51.100.7/24"]}],
    "routes": [{"to": "default", "via": "10.88.0.1"}],
    "sysctl": {"net.ipv4.ip_unprivileged_port_start": "0"}})");
}

}  // namespace

TEST_CASE("the issue's illustration reads into the model") {
  auto c = check(base());
  INFO(messages(c));
  REQUIRE(c.spec);
  const auto& net = c.spec->net;
  CHECK(net.loopback_up);
  REQUIRE(net.devices.size() == 3);
  auto& move = std::get<MoveDevice>(net.devices[0].kind);
  CHECK(move.host_name == "enp3s0");
  CHECK(move.keep_addresses == KeepAddresses::none);
  CHECK(move.return_on_teardown);
  CHECK(net.devices[0].addresses.at(1).to_string() == "2001:db8::10/64");
  CHECK(net.devices[0].origin == "net.json#/devices/0");
  auto& veth = std::get<VethDevice>(net.devices[1].kind);
  CHECK(veth.bridge == "mr0");
  CHECK(veth.host_name.empty());
  CHECK(net.devices[1].mtu == 1400u);
  auto& macvlan = std::get<MacvlanDevice>(net.devices[2].kind);
  CHECK(macvlan.parent == "enp4s0");
  CHECK(macvlan.mode == MacvlanMode::bridge);
  REQUIRE(net.routes.size() == 1);
  CHECK(net.routes[0].to.length == 0);
  CHECK(net.routes[0].to.family() == AF_INET);
  CHECK(net.routes[0].via->to_string() == "10.88.0.1");
  CHECK(net.sysctls.at(0).first == "net.ipv4.ip_unprivileged_port_start");
}

TEST_CASE("an unknown key is an error naming it and what was expected") {
  json doc = base();
  doc["devices"][1]["bridge"] = "mr0";
  CHECK(only_problem(doc) ==
        "net.json:/devices/1/bridge: unknown key \"bridge\" (expected one of: addresses, aliases, keepAddresses, mac, macvlan, "
        "move, mtu, name, network, up, veth)");
}

TEST_CASE("every unknown key is reported, each at its own pointer") {
  json doc = base();
  doc["extra"] = 1;
  doc["devices"][0]["foo"] = 1;
  doc["devices"][0]["bar"] = 1;
  doc["routes"][0]["gw"] = "10.88.0.1";
  auto c = check(doc);
  CHECK(c.problems.size() == 4);
  CHECK(has_problem_at(c, "/extra"));
  CHECK(has_problem_at(c, "/devices/0/foo"));
  CHECK(has_problem_at(c, "/devices/0/bar"));
  CHECK(has_problem_at(c, "/routes/0/gw"));
}

TEST_CASE("a bad CIDR names the pointer of the address") {
  json doc = base();
  doc["devices"][1]["addresses"] = {"10.88.0.5/16", "10.88.0.300/16"};
  CHECK(only_problem(doc) ==
        "net.json:/devices/1/addresses/1: expected an address with prefix length such as 192.0.2.10/24 or "
        "2001:db8::10/64 (got \"10.88.0.300/16\")");
  doc["devices"][1]["addresses"] = {"10.88.0.5"};
  CHECK(has_problem_at(check(doc), "/devices/1/addresses/0"));
  doc["devices"][1]["addresses"] = {"2001:db8::1/129"};
  CHECK(has_problem_at(check(doc), "/devices/1/addresses/0"));
}

TEST_CASE("a gateway outside every prefix is an error unless onlink") {
  json doc = base();
  doc["routes"][0]["via"] = "10.99.0.1";
  CHECK(only_problem(doc) ==
        "net.json:/routes/0/via: gateway 10.99.0.1 is outside every prefix of the container (add an address in its "
        "subnet, or set \"onlink\": true)");
  doc["routes"][0]["onlink"] = true;
  doc["routes"][0]["device"] = "eth1";
  CHECK(check(doc).spec);
}

TEST_CASE("a gateway through a named device must be in that device's prefixes") {
  json doc = base();
  doc["routes"] = {{{"to", "default"}, {"via", "10.88.0.1"}, {"device", "eth2"}}};
  CHECK(has_problem_at(check(doc), "/routes/0/via"));
  doc["routes"] = {{{"to", "default"}, {"via", "10.88.0.1"}, {"device", "eth1"}}};
  CHECK(check(doc).spec);
}

TEST_CASE("routes: prefix, IPv6, on-link through a device") {
  json doc = base();
  doc["routes"] = json::parse(R"([
    {"to": "default", "via": "2001:db8::1"},
    {"to": "203.0.113.0/24", "device": "eth2"},
    {"to": "2001:db8:1::/48", "via": "fe80::1", "device": "eth0", "metric": 50}])");
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.spec);
  auto& r = c.spec->net.routes;
  CHECK(r[0].to.family() == AF_INET6);
  CHECK(r[0].to.length == 0);
  CHECK_FALSE(r[1].via);
  CHECK(r[1].device == "eth2");
  CHECK(r[2].metric == 50);
}

TEST_CASE("route mistakes are errors") {
  json doc = base();
  doc["routes"] = json::parse(R"([
    {"to": "10.0.0.5/8", "via": "10.88.0.1"},
    {"to": "default"},
    {"to": "default", "via": "2001:db8::1", "device": "eth9"},
    {"to": "192.0.2.0/24", "via": "2001:db8::1"},
    {"to": "2001:db8:2::/48", "via": "fe80::1"},
    {"to": "nowhere", "via": "10.88.0.1"}])");
  auto c = check(doc);
  INFO(messages(c));
  CHECK(has_problem_at(c, "/routes/0/to"));
  CHECK(has_problem_at(c, "/routes/1"));
  CHECK(has_problem_at(c, "/routes/2/device"));
  CHECK(has_problem_at(c, "/routes/3/via"));
  CHECK(has_problem_at(c, "/routes/4/device"));
  CHECK(has_problem_at(c, "/routes/5/to"));
  CHECK(c.problems.size() == 6);
}

TEST_CASE("a route through a device that is down is an error") {
  json doc = base();
  doc["devices"][2]["up"] = false;
  doc["routes"].push_back({{"to", "203.0.113.0/24"}, {"device", "eth2"}});
  CHECK(only_problem(doc) == "net.json:/routes/1/device: device \"eth2\" is down");
}

TEST_CASE("a second route to the same destination with the same metric is an error") {
  json doc = base();
  doc["routes"].push_back({{"to", "0.0.0.0/0"}, {"via", "10.88.0.1"}});
  CHECK(only_problem(doc) == "net.json:/routes/1/to: duplicate route to 0.0.0.0/0 with metric 0");
  doc["routes"][1]["metric"] = 100;  // a fallback route
  CHECK(check(doc).spec);
}

TEST_CASE("onlink without a gateway is an error") {
  json doc = base();
  doc["routes"] = {{{"to", "203.0.113.0/24"}, {"device", "eth1"}, {"onlink", true}}};
  CHECK(only_problem(doc) == "net.json:/routes/0/onlink: onlink needs a gateway (\"via\")");
}

TEST_CASE("a veth's host end cannot take the name of its bridge") {
  json doc = base();
  doc["devices"][1]["veth"]["hostName"] = "mr0";
  CHECK(only_problem(doc) ==
        "net.json:/devices/1/veth/hostName: host device \"mr0\" is already a bridge at net.json:/devices/1/veth/bridge");
}

TEST_CASE("duplicate device names and addresses are errors") {
  json doc = base();
  doc["devices"][2]["name"] = "eth0";
  CHECK(only_problem(doc) == "net.json:/devices/2/name: duplicate device name \"eth0\" (first at net.json:/devices/0)");
  doc = base();
  doc["devices"][2]["addresses"] = {"192.0.2.10/25"};
  CHECK(only_problem(doc) == "net.json:/devices/2/addresses/0: duplicate address 192.0.2.10");
  doc = base();
  doc["devices"][1]["veth"]["hostAddresses"] = {"10.88.0.5/16"};
  CHECK(has_problem_at(check(doc), "/devices/1/veth/hostAddresses/0"));
}

TEST_CASE("device names: at most 15 bytes, no '/' or whitespace, not lo") {
  for (const char* name : {"averyverylongnam", "a/b", "a b", "tab\tx", "", "lo", "eth%d"}) {
    json doc = base();
    doc["devices"][0]["name"] = name;
    INFO(name);
    CHECK(has_problem_at(check(doc), "/devices/0/name"));
  }
  json doc = base();
  doc["devices"][0]["name"] = "fifteen_bytes_x";
  CHECK(check(doc).spec);
  doc["devices"][0]["name"] = "sixteen_bytes_xx";
  CHECK(only_problem(doc) == "net.json:/devices/0/name: interface name \"sixteen_bytes_xx\" is longer than 15 bytes");
}

TEST_CASE("the same host device twice is a contradiction") {
  json doc = base();
  doc["devices"][2]["macvlan"]["parent"] = "enp3s0";
  CHECK(only_problem(doc) == "net.json:/devices/2/macvlan/parent: host device \"enp3s0\" is already moved into the "
                             "container at net.json:/devices/0/move");
  doc = base();
  doc["devices"].push_back({{"name", "eth3"}, {"move", "enp3s0"}});
  CHECK(has_problem_at(check(doc), "/devices/3/move"));
  doc = base();
  doc["devices"].push_back({{"name", "eth3"}, {"macvlan", {{"parent", "enp4s0"}}}});
  doc["devices"].push_back({{"name", "eth4"}, {"veth", {{"bridge", "mr0"}}}});
  CHECK(check(doc).spec);  // several macvlans on one parent, several veths on one bridge
}

TEST_CASE("a device is exactly one of move, veth, macvlan") {
  json doc = base();
  doc["devices"][0]["veth"] = json::object();
  CHECK(only_problem(doc) == "net.json:/devices/0: expected exactly one of \"move\", \"veth\", \"macvlan\" or \"network\" (got 2)");
  doc["devices"][0].erase("veth");
  doc["devices"][0].erase("move");
  CHECK(has_problem_at(check(doc), "/devices/0"));
}

TEST_CASE("per-device options: keepAddresses, mtu, mac, up") {
  json doc = base();
  doc["devices"][0]["keepAddresses"] = true;
  doc["devices"][0]["mac"] = "02:00:00:00:00:01";
  doc["devices"][0]["up"] = false;
  doc["routes"] = json::array();
  auto c = check(doc);
  REQUIRE(c.spec);
  CHECK(std::get<MoveDevice>(c.spec->net.devices[0].kind).keep_addresses == KeepAddresses::all);
  CHECK(c.spec->net.devices[0].mac->to_string() == "02:00:00:00:00:01");
  CHECK_FALSE(c.spec->net.devices[0].up);

  json bad = base();
  bad["devices"][1]["keepAddresses"] = true;
  bad["devices"][1]["mtu"] = 70000;
  bad["devices"][2]["mac"] = "01:00:5e:00:00:01";
  bad["devices"][0]["mtu"] = 1000;  // it has an IPv6 address
  auto b = check(bad);
  INFO(messages(b));
  CHECK(has_problem_at(b, "/devices/1/keepAddresses"));
  CHECK(has_problem_at(b, "/devices/1/mtu"));
  CHECK(has_problem_at(b, "/devices/2/mac"));
  CHECK(has_problem_at(b, "/devices/0/mtu"));
}

TEST_CASE("wrong types are schema errors at their pointer, saying the type expected") {
  json doc = base();
  doc["devices"][1]["mtu"] = "1400";
  doc["routes"][0]["onlink"] = "yes";
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.problems.size() == 2);
  CHECK(c.problems[0].message() == "net.json:/devices/1/mtu: expected an integer (got \"1400\")");
  CHECK(c.problems[1].message() == "net.json:/routes/0/onlink: expected a boolean (got \"yes\")");
  doc = base();
  doc["devices"][0]["addresses"] = "192.0.2.10/24";
  CHECK(only_problem(doc) == "net.json:/devices/0/addresses: expected an array (got \"192.0.2.10/24\")");
}

TEST_CASE("a value outside an enum says which values are allowed, once") {
  json doc = base();
  doc["version"] = 2;
  CHECK(only_problem(doc) == "net.json:/version: expected one of: 1 (got 2)");
  doc = base();
  doc["devices"][2]["macvlan"]["mode"] = "wild";
  CHECK(only_problem(doc) == "net.json:/devices/2/macvlan/mode: expected a macvlan mode: private, vepa, bridge, "
                             "passthru or source (got \"wild\")");
}

TEST_CASE("version is required and must be 1") {
  json doc = base();
  doc.erase("version");
  CHECK(has_problem_at(check(doc), ""));
  doc["version"] = 2;
  CHECK(has_problem_at(check(doc), "/version"));
}

TEST_CASE("only net.* sysctls are accepted") {
  json doc = base();
  doc["sysctl"] = {{"kernel.shmmax", "1"}, {"net..x", "1"}};
  auto c = check(doc);
  CHECK(c.problems.size() == 2);
  CHECK(has_problem_at(c, "/sysctl/kernel.shmmax"));
  CHECK(c.problems[0].message() == "net.json:/sysctl/kernel.shmmax: only net.* sysctls belong in a network spec (got "
                                   "\"kernel.shmmax\")");
}

TEST_CASE("dns and hosts entries render into resolv.conf and hosts") {
  json doc = base();
  doc["dns"] = {{"nameservers", {"10.88.0.1", "2001:db8::53"}}, {"search", {"example.com"}}, {"options", {"ndots:2"}}};
  doc["hosts"] = {{{"address", "10.88.0.1"}, {"names", {"gateway", "gw.example.com"}}}};
  doc["loopback"] = {{"up", false}};
  auto c = check(doc);
  REQUIRE(c.spec);
  CHECK_FALSE(c.spec->net.loopback_up);
  CHECK(netspec::render_resolv_conf(*c.spec->dns) ==
        "# written by mini-runc from the network spec\nnameserver 10.88.0.1\nnameserver 2001:db8::53\n"
        "search example.com\noptions ndots:2\n");
  CHECK(netspec::render_hosts(c.spec->hosts) == "# written by mini-runc from the network spec\n10.88.0.1 gateway gw.example.com\n");
  doc["dns"]["nameservers"] = {"dns.example.com"};
  doc["hosts"][0]["names"] = {"two words"};
  auto bad = check(doc);
  CHECK(has_problem_at(bad, "/dns/nameservers/0"));
  CHECK(has_problem_at(bad, "/hosts/0/names/0"));
}

TEST_CASE("malformed JSON, duplicate keys and invalid UTF-8 are errors naming the file") {
  auto dup = netspec::check_network_spec(R"({"version": 1, "devices": [{"name": "a", "name": "b", "move": "x"}]})", "net.json");
  REQUIRE(dup.problems.size() == 1);
  CHECK(dup.problems[0].message() == "net.json:/devices/0/name: duplicate key \"name\"");
  auto utf8 = netspec::check_network_spec("{\"version\": 1, \"devices\": [{\"name\": \"e\xff\"}]}", "net.json");
  REQUIRE(utf8.problems.size() == 1);
  CHECK(utf8.problems[0].pointer == "/devices/0/name");
  CHECK(utf8.problems[0].context.find("UTF-8") != std::string::npos);
  auto trunc = netspec::check_network_spec(R"({"version": 1, "devices": [)", "net.json");
  REQUIRE(trunc.problems.size() == 1);
  CHECK(trunc.problems[0].message().starts_with("net.json:/devices/0: malformed JSON: "));
  auto array = netspec::check_network_spec("[]", "net.json");
  CHECK(array.problems.at(0).message() == "net.json: expected a JSON object with \"version\": 1");
}

TEST_CASE("an oversized spec is refused before parsing") {
  std::string big = R"({"version": 1, "sysctl": {"net.x": ")" + std::string(16 << 20, 'a') + "\"}}";
  auto c = netspec::check_network_spec(big, "net.json");
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() == "net.json: input larger than the limit of 16777216 bytes");
}

TEST_CASE("a key with a newline cannot break the one-line message") {
  auto c = netspec::check_network_spec("{\"version\": 1, \"bad\\nkey\": 1}", "net.json");
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message().find('\n') == std::string::npos);
  CHECK(c.problems[0].message().starts_with("net.json:/bad\\x0akey: unknown key \"bad\\x0akey\""));
}
