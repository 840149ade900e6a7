// The CNI protocol as data (cni/protocol.hpp): every environment and configuration error
// with its spec code and its one line naming the variable or the JSON pointer, the
// result in the exact shape of each supported version, VERSION, the error object.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cni/protocol.hpp"

using namespace mr;
using namespace mr::cni;
using nlohmann::json;

namespace {

using Env = std::map<std::string, std::string>;

Env add_env() {
  return {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", "/run/netns/c1"},
          {"CNI_IFNAME", "eth0"}, {"CNI_PATH", "/opt/cni/bin"}};
}

json good_config() {
  return {{"cniVersion", "1.0.0"}, {"name", "web"}, {"type", "mini-runc-cni"}, {"network", "web"}};
}

// The failure of `o`, checked to be one line.
template <class T>
Failure failed(const Outcome<T>& o) {
  REQUIRE_FALSE(o.has_value());
  CHECK(o.error().msg.find('\n') == std::string::npos);
  CHECK_FALSE(o.error().msg.empty());
  return o.error();
}

Failure env_failure(Env env) { return failed(read_environment(env)); }
Failure config_failure(const json& doc, Command c = Command::add) { return failed(read_config(doc.dump(), c)); }

netns::IpPrefix prefix(const char* t) { return *netns::IpPrefix::parse(t); }
netns::IpAddress address(const char* t) { return *netns::IpAddress::parse(t); }

// Two interfaces (the host end, the container end), one address of each family, a
// default route, a name server: every member a result can have.
AddResult full_result() {
  AddResult r;
  r.interfaces = {{.name = "mr1234abcd-0"},
                  {.name = "eth0", .mac = *netns::MacAddress::parse("02:42:0a:59:01:02"), .mtu = 1500,
                   .sandbox = "/run/netns/c1"}};
  r.ips = {{.address = prefix("10.89.1.2/24"), .gateway = address("10.89.1.1"), .interface = 1},
           {.address = prefix("fd00:1::2/64"), .gateway = address("fd00:1::1"), .interface = 1}};
  r.routes = {{.dst = prefix("0.0.0.0/0"), .gw = address("10.89.1.1")}};
  r.dns.nameservers = {"10.89.1.1"};
  return r;
}

}  // namespace

TEST_CASE("cni env: ADD, DEL and CHECK read every variable") {
  Env env = add_env();
  env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;FOO=bar";
  auto e = read_environment(env);
  REQUIRE(e.has_value());
  CHECK(e->command == Command::add);
  CHECK(e->container_id == "c1");
  CHECK(e->netns == "/run/netns/c1");
  CHECK(e->ifname == "eth0");
  CHECK(e->path == "/opt/cni/bin");
  CHECK(e->args == std::map<std::string, std::string>{{"K8S_POD_NAMESPACE", "default"}, {"K8S_POD_NAME", "web-0"}});
  CHECK(e->ips.empty());
  CHECK_FALSE(e->mac);
}

TEST_CASE("cni env: CNI_ARGS IP is a list of addresses and MAC one MAC") {
  Env env = add_env();
  env["CNI_ARGS"] = "IP=10.89.1.5,fd00:1::5/64;MAC=02:00:00:00:00:05";
  auto e = read_environment(env);
  REQUIRE(e.has_value());
  CHECK(e->ips == std::vector<netns::IpAddress>{*netns::IpAddress::parse("10.89.1.5"), *netns::IpAddress::parse("fd00:1::5")});
  CHECK(e->mac == netns::MacAddress::parse("02:00:00:00:00:05").value());
  env["CNI_ARGS"] = "IP=10.89.1.5,";
  CHECK(failed(read_environment(env)).msg == "CNI_ARGS: IP: expected IPv4 or IPv6 addresses separated by ',' (got \"\")");
  env["CNI_ARGS"] = "MAC=zz";
  CHECK(failed(read_environment(env)).code == Code::invalid_environment);
}

TEST_CASE("cni env: DEL goes on without CNI_NETNS, VERSION needs only CNI_COMMAND") {
  Env env = add_env();
  env["CNI_COMMAND"] = "DEL";
  env.erase("CNI_NETNS");
  auto e = read_environment(env);
  REQUIRE(e.has_value());
  CHECK(e->netns.empty());
  auto v = read_environment({{"CNI_COMMAND", "VERSION"}});
  REQUIRE(v.has_value());
  CHECK(v->command == Command::version);
}

TEST_CASE("cni env: each missing or bad variable is code 4 naming it") {
  struct Case {
    const char* what;
    std::function<void(Env&)> change;
    const char* starts;
  };
  const Case cases[] = {
      {"no command", [](Env& e) { e.erase("CNI_COMMAND"); }, "CNI_COMMAND: not set"},
      {"unknown command", [](Env& e) { e["CNI_COMMAND"] = "add"; }, "CNI_COMMAND: expected ADD"},
      {"no container id", [](Env& e) { e.erase("CNI_CONTAINERID"); }, "CNI_CONTAINERID: not set"},
      {"empty container id", [](Env& e) { e["CNI_CONTAINERID"] = ""; }, "CNI_CONTAINERID: not set"},
      {"container id with '/'", [](Env& e) { e["CNI_CONTAINERID"] = "a/b"; }, "CNI_CONTAINERID: expected"},
      {"container id starting with '-'", [](Env& e) { e["CNI_CONTAINERID"] = "-a"; }, "CNI_CONTAINERID: expected"},
      {"container id with ':'", [](Env& e) { e["CNI_CONTAINERID"] = "a:b"; }, "CNI_CONTAINERID: expected"},
      {"no ifname", [](Env& e) { e.erase("CNI_IFNAME"); }, "CNI_IFNAME: not set"},
      {"long ifname", [](Env& e) { e["CNI_IFNAME"] = "eth0123456789abc"; }, "CNI_IFNAME: interface name"},
      {"ifname with ':'", [](Env& e) { e["CNI_IFNAME"] = "eth0:1"; }, "CNI_IFNAME: interface name"},
      {"no netns for ADD", [](Env& e) { e.erase("CNI_NETNS"); }, "CNI_NETNS: not set"},
      {"relative netns", [](Env& e) { e["CNI_NETNS"] = "run/netns/x"; }, "CNI_NETNS: expected the absolute path"},
      {"unknown arg", [](Env& e) { e["CNI_ARGS"] = "FOO=bar"; }, "CNI_ARGS: unknown argument FOO"},
      {"unknown arg, IgnoreUnknown=0", [](Env& e) { e["CNI_ARGS"] = "IgnoreUnknown=0;FOO=bar"; }, "CNI_ARGS: unknown argument FOO"},
      {"arg without '='", [](Env& e) { e["CNI_ARGS"] = "IgnoreUnknown"; }, "CNI_ARGS: expected KEY=VALUE"},
      {"empty pair", [](Env& e) { e["CNI_ARGS"] = "IgnoreUnknown=1;"; }, "CNI_ARGS: expected KEY=VALUE"},
      {"bad IgnoreUnknown", [](Env& e) { e["CNI_ARGS"] = "IgnoreUnknown=yes"; }, "CNI_ARGS: IgnoreUnknown: expected"},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    Env env = add_env();
    c.change(env);
    auto f = env_failure(env);
    CHECK(f.code == Code::invalid_environment);
    CHECK(f.msg.starts_with(c.starts));
  }
  // CHECK needs the namespace as ADD does.
  Env check = add_env();
  check["CNI_COMMAND"] = "CHECK";
  check.erase("CNI_NETNS");
  CHECK(env_failure(check).msg == "CNI_NETNS: not set");
}

TEST_CASE("cni config: a good one reads whole, ports from runtimeConfig.portMappings") {
  json doc = good_config();
  doc["networkDir"] = "/etc/nets";
  doc["stateDir"] = "/run/cni-state";
  doc["capabilities"] = {{"portMappings", true}};
  doc["cni.dev/valid-attachments"] = json::array();
  doc["runtimeConfig"] = {{"portMappings",
                           {{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}},
                            {{"hostPort", 5353}, {"containerPort", 53}, {"protocol", "UDP"}, {"hostIP", "127.0.0.1"}},
                            {{"hostPort", 9000}, {"containerPort", 9000}, {"protocol", "sctp"}, {"hostIP", ""}}}}};
  auto c = read_config(doc.dump(), Command::add);
  REQUIRE(c.has_value());
  CHECK(c->cni_version == "1.0.0");
  CHECK(c->name == "web");
  CHECK(c->type == "mini-runc-cni");
  CHECK(c->network == "web");
  CHECK(c->network_dir == "/etc/nets");
  CHECK(c->state_dir == "/run/cni-state");
  REQUIRE(c->ports.size() == 3);
  CHECK(c->ports[0] == netns::FilterPort{.protocol = 6, .host_port = 8080, .container_port = 80});
  CHECK(c->ports[1] == netns::FilterPort{.protocol = 17, .host_port = 5353, .container_port = 53, .host_ip = address("127.0.0.1")});
  CHECK(c->ports[2] == netns::FilterPort{.protocol = 132, .host_port = 9000, .container_port = 9000});
  CHECK_FALSE(c->prev_result);
}

TEST_CASE("cni config: every supported version is read, the others are code 1") {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    CAPTURE(v);
    json doc = good_config();
    doc["cniVersion"] = v;
    CHECK(read_config(doc.dump(), Command::add).has_value());
  }
  for (const char* v : {"0.1.0", "0.2.0", "1.2.0", "2.0.0", "", "latest"}) {
    CAPTURE(v);
    json doc = good_config();
    doc["cniVersion"] = v;
    auto f = config_failure(doc);
    CHECK(f.code == Code::incompatible_version);
    CHECK(f.msg.starts_with("stdin:/cniVersion: unsupported version \"" + std::string(v) + "\""));
  }
  // CHECK came with 0.4.0.
  json old = good_config();
  old["cniVersion"] = "0.3.1";
  auto f = config_failure(old, Command::check);
  CHECK(f.code == Code::incompatible_version);
  CHECK(f.msg == "stdin:/cniVersion: CHECK needs version 0.4.0 or later (got \"0.3.1\")");
  CHECK(read_config(old.dump(), Command::del).has_value());
}

TEST_CASE("cni config: each bad document or field is its code and one line at its pointer") {
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    Code code;
    const char* msg;  // the whole line, or its start when it ends in "..."
  };
  const Case cases[] = {
      {"no cniVersion", [](json& d) { d.erase("cniVersion"); }, Code::invalid_config, "stdin:/cniVersion: missing; expected a string"},
      {"cniVersion a number", [](json& d) { d["cniVersion"] = 1; }, Code::decode_failure, "stdin:/cniVersion: expected a string (got 1)"},
      {"ipam with a network", [](json& d) { d["ipam"] = {{"type", "host-local"}}; }, Code::invalid_config,
       "stdin:/ipam: ipam goes with device, hwaddr, master or bridge, not with network"},
      {"dns", [](json& d) { d["dns"] = {{"nameservers", {"1.1.1.1"}}}; }, Code::unsupported_field,
       "stdin:/dns: unsupported field dns = {\"nameservers\":[\"1.1.1.1\"]}"},
      {"a key with '/'", [](json& d) { d["a/b"] = 1; }, Code::unsupported_field, "stdin:/a~1b: unsupported field a/b = 1"},
      {"no name", [](json& d) { d.erase("name"); }, Code::invalid_config, "stdin:/name: missing; expected a string"},
      {"bad name", [](json& d) { d["name"] = "-web"; }, Code::invalid_config, "stdin:/name: expected a letter or digit, ..."},
      {"name a list", [](json& d) { d["name"] = json::array(); }, Code::decode_failure, "stdin:/name: expected a string (got an array)"},
      {"no type", [](json& d) { d.erase("type"); }, Code::invalid_config, "stdin:/type: missing; expected a string"},
      {"type a path", [](json& d) { d["type"] = "/bin/sh"; }, Code::invalid_config, "stdin:/type: expected a plugin's file name (got \"/bin/sh\")"},
      {"no network", [](json& d) { d.erase("network"); }, Code::invalid_config,
       "stdin:/network: missing; expected a network's name, or a host device by device, hwaddr, master or bridge"},
      {"empty network", [](json& d) { d["network"] = ""; }, Code::invalid_config, "stdin:/network: expected a network's name"},
      {"relative networkDir", [](json& d) { d["networkDir"] = "nets"; }, Code::invalid_config,
       "stdin:/networkDir: expected an absolute path (got \"nets\")"},
      {"stateDir a number", [](json& d) { d["stateDir"] = 5; }, Code::decode_failure, "stdin:/stateDir: expected a string (got 5)"},
      {"capabilities a list", [](json& d) { d["capabilities"] = json::array(); }, Code::decode_failure,
       "stdin:/capabilities: expected an object (got an array)"},
      {"runtimeConfig a string", [](json& d) { d["runtimeConfig"] = "x"; }, Code::decode_failure,
       "stdin:/runtimeConfig: expected an object (got \"x\")"},
      {"an undeclared capability", [](json& d) { d["runtimeConfig"] = {{"bandwidth", {{"ingressRate", 1}}}}; },
       Code::unsupported_field, "stdin:/runtimeConfig/bandwidth: unsupported capability bandwidth = {\"ingressRate\":1}"},
      {"ips a string", [](json& d) { d["runtimeConfig"] = {{"ips", "10.0.0.2"}}; }, Code::decode_failure,
       "stdin:/runtimeConfig/ips: expected an array (got \"10.0.0.2\")"},
      {"a bad ip", [](json& d) { d["runtimeConfig"] = {{"ips", {"10.0.0.2/24", "10.0.0"}}}; }, Code::invalid_config,
       "stdin:/runtimeConfig/ips/1: expected an IPv4 or IPv6 address (got \"10.0.0\")"},
      {"a bad mac", [](json& d) { d["runtimeConfig"] = {{"mac", "02:00:00"}}; }, Code::invalid_config,
       "stdin:/runtimeConfig/mac: expected a MAC address like 02:00:00:00:00:01 (got \"02:00:00\")"},
      {"aliases a list", [](json& d) { d["runtimeConfig"] = {{"aliases", {"a"}}}; }, Code::decode_failure,
       "stdin:/runtimeConfig/aliases: expected an object (got an array)"},
      {"an alias a number", [](json& d) { d["runtimeConfig"] = {{"aliases", {{"other", {1}}}}}; }, Code::decode_failure,
       "stdin:/runtimeConfig/aliases/other/0: expected a string (got 1)"},
      {"portMappings an object", [](json& d) { d["runtimeConfig"] = {{"portMappings", json::object()}}; }, Code::decode_failure,
       "stdin:/runtimeConfig/portMappings: expected an array (got an object)"},
      {"a mapping a number", [](json& d) { d["runtimeConfig"] = {{"portMappings", {1}}}; }, Code::decode_failure,
       "stdin:/runtimeConfig/portMappings/0: expected an object (got 1)"},
      {"hostPort 0", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 0}, {"containerPort", 80}}}; },
       Code::invalid_config, "stdin:/runtimeConfig/portMappings/0/hostPort: expected a number from 1 to 65535 (got 0)"},
      {"hostPort a string", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", "80"}, {"containerPort", 80}}}; },
       Code::decode_failure, "stdin:/runtimeConfig/portMappings/0/hostPort: expected a number (got \"80\")"},
      {"no containerPort", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 80}}}; }, Code::invalid_config,
       "stdin:/runtimeConfig/portMappings/0/containerPort: missing; expected a port number"},
      {"containerPort 65536", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 80}, {"containerPort", 65536}}}; },
       Code::invalid_config, "stdin:/runtimeConfig/portMappings/0/containerPort: expected a number from 1 to 65535 (got 65536)"},
      {"protocol icmp", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 80}, {"containerPort", 80}, {"protocol", "icmp"}}}; },
       Code::invalid_config, "stdin:/runtimeConfig/portMappings/0/protocol: expected tcp, udp or sctp (got \"icmp\")"},
      {"bad hostIP", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 80}, {"containerPort", 80}, {"hostIP", "1.2.3"}}}; },
       Code::invalid_config, "stdin:/runtimeConfig/portMappings/0/hostIP: expected an IPv4 or IPv6 address (got \"1.2.3\")"},
      {"unknown mapping key", [](json& d) { d["runtimeConfig"]["portMappings"] = {{{"hostPort", 80}, {"containerPort", 80}, {"range", 2}}}; },
       Code::unsupported_field, "stdin:/runtimeConfig/portMappings/0/range: unsupported field range = 2"},
      {"prevResult a list", [](json& d) { d["prevResult"] = json::array(); }, Code::decode_failure,
       "stdin:/prevResult: expected an object (got an array)"},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    json doc = good_config();
    c.change(doc);
    auto f = config_failure(doc);
    CHECK(static_cast<int>(f.code) == static_cast<int>(c.code));
    std::string msg = c.msg;
    if (msg.ends_with("..."))
      CHECK(f.msg.starts_with(msg.substr(0, msg.size() - 3)));
    else
      CHECK(f.msg == msg);
  }
}

TEST_CASE("cni config: text that is not one JSON object is code 6") {
  for (const char* text : {"", "{", "{\"cniVersion\": \"1.0.0\",}", "[]", "\"web\"", "{} {}"}) {
    CAPTURE(text);
    auto f = failed(read_config(text, Command::add));
    CHECK(f.code == Code::decode_failure);
    CHECK(f.msg.starts_with("stdin:"));
  }
}

TEST_CASE("cni config: DEL and CHECK keep prevResult, and a bad one is code 6 at its pointer") {
  json doc = good_config();
  doc["prevResult"] = encode_result(full_result(), "1.1.0");
  auto c = read_config(doc.dump(), Command::del);
  REQUIRE(c.has_value());
  REQUIRE(c->prev_result);
  CHECK(decode_result(*c->prev_result, kConfigFile, "/prevResult") == full_result());
  doc["prevResult"]["ips"][1]["address"] = "fd00:1::2";
  auto f = failed(decode_result(doc["prevResult"], kConfigFile, "/prevResult"));
  CHECK(f.code == Code::decode_failure);
  CHECK(f.msg == "stdin:/prevResult/ips/1/address: expected an address in CIDR notation (got \"fd00:1::2\")");
  doc["prevResult"] = 3;
  CHECK(config_failure(doc, Command::del).msg == "stdin:/prevResult: expected an object (got 3)");
}

TEST_CASE("cni config: runtimeConfig's ips, mac, aliases of this network and the pod annotations are read") {
  json doc = good_config();
  doc["runtimeConfig"] = {{"ips", {"10.89.1.5/24", "fd00:1::5"}},
                          {"mac", "02:00:00:00:00:05"},
                          {"aliases", {{doc["name"], {"web", "www"}}, {"elsewhere", {"db"}}}},
                          {"io.kubernetes.cri.pod-annotations", {{"a", "b"}}}};
  auto c = read_config(doc.dump(), Command::add);
  REQUIRE(c.has_value());
  CHECK(c->ips == std::vector<netns::IpAddress>{*netns::IpAddress::parse("10.89.1.5"), *netns::IpAddress::parse("fd00:1::5")});
  CHECK(c->mac == netns::MacAddress::parse("02:00:00:00:00:05").value());
  CHECK(c->aliases == std::vector<std::string>{"web", "www"});
}

TEST_CASE("cni config: STATUS and GC need 1.1.0 and GC its list of valid attachments") {
  json doc = good_config();
  doc["cniVersion"] = "1.0.0";
  CHECK(config_failure(doc, Command::status).msg == "stdin:/cniVersion: STATUS needs version 1.1.0 or later (got \"1.0.0\")");
  CHECK(config_failure(doc, Command::gc).code == Code::incompatible_version);
  doc["cniVersion"] = "1.1.0";
  CHECK(read_config(doc.dump(), Command::status).has_value());
  CHECK(config_failure(doc, Command::gc).msg == "stdin:/cni.dev~1valid-attachments: missing; expected an array of attachments");
  doc["cni.dev/valid-attachments"] = json::parse(R"([{"containerID": "c1", "ifname": "eth0"}, {"containerID": "c2"}])");
  CHECK(config_failure(doc, Command::gc).msg == "stdin:/cni.dev~1valid-attachments/1/ifname: missing; expected a string");
  doc["cni.dev/valid-attachments"][1]["ifname"] = "net1";
  auto c = read_config(doc.dump(), Command::gc);
  REQUIRE(c.has_value());
  CHECK(c->valid_attachments == std::vector<std::pair<std::string, std::string>>{{"c1", "eth0"}, {"c2", "net1"}});
}

TEST_CASE("cni result: a chained ADD keeps the previous result and numbers its interfaces after it") {
  AddResult prev;
  prev.interfaces = {{.name = "net1", .sandbox = "/run/netns/c1"}};
  prev.ips = {{.address = prefix("192.0.2.9/24"), .interface = 0}};
  prev.routes = {{.dst = prefix("198.51.100.0/24")}};
  prev.dns.nameservers = {"192.0.2.53"};
  AddResult chained = chain_results(prev, full_result());
  REQUIRE(chained.interfaces.size() == 3);
  CHECK(chained.interfaces[0].name == "net1");
  CHECK(chained.interfaces[2].name == "eth0");
  REQUIRE(chained.ips.size() == 3);
  CHECK(chained.ips[0] == prev.ips[0]);
  CHECK(chained.ips[1].interface == 2);
  CHECK(chained.routes.size() == 2);
  CHECK(chained.dns.nameservers == std::vector<std::string>{"10.89.1.1"});
  AddResult no_dns = full_result();
  no_dns.dns = {};
  CHECK(chain_results(prev, no_dns).dns == prev.dns);
}

TEST_CASE("cni result: 1.1.0 has the interface's MTU") {
  CHECK(encode_result(full_result(), "1.1.0") == json::parse(R"({
    "cniVersion": "1.1.0",
    "interfaces": [{"name": "mr1234abcd-0"},
                   {"name": "eth0", "mac": "02:42:0a:59:01:02", "mtu": 1500, "sandbox": "/run/netns/c1"}],
    "ips": [{"interface": 1, "address": "10.89.1.2/24", "gateway": "10.89.1.1"},
            {"interface": 1, "address": "fd00:1::2/64", "gateway": "fd00:1::1"}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.89.1.1"}],
    "dns": {"nameservers": ["10.89.1.1"]}})"));
}

TEST_CASE("cni result: 1.0.0 has no MTU and no ip versions") {
  CHECK(encode_result(full_result(), "1.0.0") == json::parse(R"({
    "cniVersion": "1.0.0",
    "interfaces": [{"name": "mr1234abcd-0"},
                   {"name": "eth0", "mac": "02:42:0a:59:01:02", "sandbox": "/run/netns/c1"}],
    "ips": [{"interface": 1, "address": "10.89.1.2/24", "gateway": "10.89.1.1"},
            {"interface": 1, "address": "fd00:1::2/64", "gateway": "fd00:1::1"}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.89.1.1"}],
    "dns": {"nameservers": ["10.89.1.1"]}})"));
}

TEST_CASE("cni result: 0.3.0, 0.3.1 and 0.4.0 give each ip its version") {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0"}) {
    CAPTURE(v);
    json expected = json::parse(R"({
      "interfaces": [{"name": "mr1234abcd-0"},
                     {"name": "eth0", "mac": "02:42:0a:59:01:02", "sandbox": "/run/netns/c1"}],
      "ips": [{"version": "4", "interface": 1, "address": "10.89.1.2/24", "gateway": "10.89.1.1"},
              {"version": "6", "interface": 1, "address": "fd00:1::2/64", "gateway": "fd00:1::1"}],
      "routes": [{"dst": "0.0.0.0/0", "gw": "10.89.1.1"}],
      "dns": {"nameservers": ["10.89.1.1"]}})");
    expected["cniVersion"] = v;
    CHECK(encode_result(full_result(), v) == expected);
  }
}

TEST_CASE("cni result: what is not there is left out, but for dns") {
  AddResult r;
  r.interfaces = {{.name = "eth0", .sandbox = "/run/netns/c1"}};
  r.ips = {{.address = prefix("10.89.1.2/24")}};
  CHECK(encode_result(r, "1.1.0") == json::parse(R"({
    "cniVersion": "1.1.0", "interfaces": [{"name": "eth0", "sandbox": "/run/netns/c1"}],
    "ips": [{"address": "10.89.1.2/24"}], "dns": {}})"));
}

TEST_CASE("cni result: each version reads back as it was written") {
  for (auto v : kSupportedVersions) {
    CAPTURE(v);
    auto back = decode_result(encode_result(full_result(), v), "result.json");
    REQUIRE(back.has_value());
    AddResult expected = full_result();
    if (v != "1.1.0") expected.interfaces[1].mtu = 0;
    CHECK(*back == expected);
  }
}

TEST_CASE("cni VERSION: the asked version and the supported list") {
  CHECK(encode_version("0.4.0") ==
        json::parse(R"({"cniVersion": "0.4.0", "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]})"));
  CHECK(read_version_request("") == "1.1.0");
  CHECK(read_version_request("{\"cniVersion\": \"0.3.1\"}") == "0.3.1");
  CHECK(read_version_request("{}") == "1.1.0");
  CHECK(failed(read_version_request("{")).code == Code::decode_failure);
  CHECK(failed(read_version_request("{\"cniVersion\": 1}")).msg == "stdin:/cniVersion: expected a string (got 1)");
}

TEST_CASE("cni error: code, msg and details, details only when there are some") {
  CHECK(encode_error({Code::invalid_config, "stdin:/network: bad", ""}, "1.0.0") ==
        json::parse(R"({"cniVersion": "1.0.0", "code": 7, "msg": "stdin:/network: bad"})"));
  CHECK(encode_error({Code::try_again, "busy", "the lock is held"}, "0.4.0") ==
        json::parse(R"({"cniVersion": "0.4.0", "code": 11, "msg": "busy", "details": "the lock is held"})"));
}

TEST_CASE("cni examples: each conflist's mini-runc-cni configuration is one the plugin takes") {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MR_EXAMPLES_DIR "/cni")) {
    if (entry.path().extension() != ".conflist") continue;
    CAPTURE(entry.path().string());
    std::ifstream in(entry.path());
    json list = json::parse(in);
    for (json plugin : list["plugins"]) {
      if (plugin["type"] != "mini-runc-cni") continue;
      // As a runtime derives a plugin's configuration from its list (SPEC.md, section 3).
      plugin["cniVersion"] = list["cniVersion"];
      plugin["name"] = list["name"];
      plugin["runtimeConfig"] = {{"portMappings", {{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}}}};
      for (Command c : {Command::add, Command::del, Command::check}) {
        auto conf = read_config(plugin.dump(), c);
        CHECK_MESSAGE(conf.has_value(), (conf ? "" : conf.error().msg));
      }
      ++seen;
    }
  }
  CHECK(seen == 3);
}
