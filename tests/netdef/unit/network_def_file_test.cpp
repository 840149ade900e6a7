// Network definition files (netdef/network_def_file.hpp): written and read back
// whole, and each rule of a bad file as its one line, with the right JSON pointer.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "netdef/network_def_file.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr;
using namespace mr::netdef;
using nlohmann::json;
using mr::test::messages;

namespace {

netns::IpPrefix prefix(const char* text) { return *netns::IpPrefix::parse(text); }
netns::IpAddress address(const char* text) { return *netns::IpAddress::parse(text); }

// A valid file's document: one IPv4 subnet, everything else left to defaults.
json minimal(const std::string& name = "web") {
  return {{"name", name}, {"subnets", {{{"subnet", "10.89.1.0/24"}}}}};
}

DefCheck check(const json& doc, const std::string& file = "/etc/nets/web.json") {
  return check_network_def(doc.dump(), file);
}

}  // namespace

TEST_CASE("a definition written to its file reads back as it was") {
  test::TempDir dir;
  NetworkDef def;
  def.name = "web.prod-2";
  def.id = std::string(32, 'a') + std::string(32, '7');
  def.bridge = "br-web";
  def.bridge_given = true;
  def.subnets = {{prefix("10.89.7.0/24"), address("10.89.7.254"), prefix("10.89.7.128/25")},
                 {prefix("fd12:3456:789a::/64"), address("fd12:3456:789a::1"), std::nullopt}};
  def.internal = true;
  def.dns = false;
  def.mtu = 1400;
  def.labels = {{"team", "web"}, {"tier", "front end"}};
  def.created = "2026-12-07T08:00:00.000000001Z";
  const std::string path = dir.write("web.prod-2.json", render_network_def(def));

  auto back = read_network_file(path);
  REQUIRE_MESSAGE(back, (back ? "" : back.error().message()));
  CHECK(back->file == path);
  CHECK(network_def_json(*back) == network_def_json(def));
  CHECK(back->subnets.at(0).ip_range == def.subnets[0].ip_range);
  CHECK(back->subnets.at(1).gateway == def.subnets[1].gateway);
  CHECK(back->mtu == 1400u);
  CHECK(back->bridge_given);
  CHECK(back->labels == def.labels);
}

TEST_CASE("keys left out of a hand-written file take their defaults") {
  auto c = check(minimal());
  INFO(messages(c));
  REQUIRE(c.def);
  CHECK(c.def->id == id_from_name("web"));
  CHECK(c.def->id.size() == 64);
  CHECK(c.def->bridge == "mr-" + c.def->id.substr(0, 12));
  CHECK(c.def->driver == "bridge");
  CHECK(c.def->subnets.at(0).gateway == address("10.89.1.1"));
  CHECK(!c.def->subnets[0].ip_range);
  CHECK(c.def->dns);
  CHECK(!c.def->internal);
  CHECK(!c.def->bridge_given);
}

TEST_CASE("the built-in default network is what the brief promises and passes its own rules") {
  NetworkDef def = builtin_default_network();
  CHECK(def.name == "default");
  CHECK(def.bridge == "mini-runc0");
  REQUIRE(def.subnets.size() == 1);
  CHECK(def.subnets[0].subnet.to_string() == "10.89.0.0/24");
  CHECK(def.subnets[0].gateway.to_string() == "10.89.0.1");
  CHECK(def.dns);
  CHECK(def.file.empty());
  CHECK(def.id == id_from_name("default"));
  CHECK(check_network_rules(def).empty());
}

TEST_CASE("each rule a bad file breaks is one line with the file and the pointer") {
  struct Case {
    std::string what;
    json doc;
    std::string line;
  };
  auto with = [](const char* pointer, json value) {
    json doc = minimal();
    doc[json::json_pointer(pointer)] = std::move(value);
    return doc;
  };
  const std::string f = "/etc/nets/web.json:";
  std::vector<Case> cases = {
      {"unknown key", with("/colour", "red"),
       f + "/colour: unknown key \"colour\" (expected one of: bridge, bridgeGiven, created, dns, driver, id, internal, "
           "labels, mtu, name, subnets)"},
      {"unknown key in a subnet", with("/subnets/0/gw", "10.89.1.1"),
       f + "/subnets/0/gw: unknown key \"gw\" (expected one of: gateway, ipRange, subnet)"},
      {"wrong type", with("/mtu", "big"), f + "/mtu: expected an integer (got \"big\")"},
      {"no subnets key", json{{"name", "web"}}, f + " missing required property 'subnets' (got an object)"},
      {"no subnet at all", with("/subnets", json::array()),
       f + "/subnets: expected one or two subnets, at most one per family (got 0)"},
      {"unparsable subnet", with("/subnets/0/subnet", "10.89.1/24"),
       f + "/subnets/0/subnet: expected a subnet such as 10.89.1.0/24 or fd12:3456:789a:1::/64 (got \"10.89.1/24\")"},
      {"host bits set", with("/subnets/0/subnet", "10.89.1.5/24"),
       f + "/subnets/0/subnet: expected a network address: \"10.89.1.5/24\" has host bits set (did you mean "
           "\"10.89.1.0/24\"?)"},
      {"subnet too small", with("/subnets/0/subnet", "10.89.1.0/31"),
       f + "/subnets/0/subnet: expected a prefix length from 1 to 30 for an IPv4 subnet (got 10.89.1.0/31)"},
      {"gateway outside its subnet", with("/subnets/0/gateway", "10.1.0.1"),
       f + "/subnets/0/gateway: expected an address inside subnet 10.89.1.0/24 (got 10.1.0.1)"},
      {"gateway of the other family", with("/subnets/0/gateway", "fd00::1"),
       f + "/subnets/0/gateway: expected an address inside subnet 10.89.1.0/24 (got fd00::1)"},
      {"gateway is the network address", with("/subnets/0/gateway", "10.89.1.0"),
       f + "/subnets/0/gateway: expected a host address of subnet 10.89.1.0/24, not its network address (got "
           "10.89.1.0)"},
      {"gateway is the broadcast address", with("/subnets/0/gateway", "10.89.1.255"),
       f + "/subnets/0/gateway: expected a host address of subnet 10.89.1.0/24, not its broadcast address (got "
           "10.89.1.255)"},
      {"unparsable gateway", with("/subnets/0/gateway", "10.89.1.x"),
       f + "/subnets/0/gateway: expected an IPv4 or IPv6 address (got \"10.89.1.x\")"},
      {"ip range outside its subnet", with("/subnets/0/ipRange", "10.89.2.0/25"),
       f + "/subnets/0/ipRange: expected a range inside subnet 10.89.1.0/24 (got 10.89.2.0/25)"},
      {"ip range wider than its subnet", with("/subnets/0/ipRange", "10.89.0.0/16"),
       f + "/subnets/0/ipRange: expected a range inside subnet 10.89.1.0/24 (got 10.89.0.0/16)"},
      {"ip range with host bits", with("/subnets/0/ipRange", "10.89.1.130/25"),
       f + "/subnets/0/ipRange: expected a network address: \"10.89.1.130/25\" has host bits set (did you mean "
           "\"10.89.1.128/25\"?)"},
      {"two subnets of one family", with("/subnets/1", {{"subnet", "10.89.2.0/24"}}),
       f + "/subnets/1: expected at most one IPv4 subnet (this is a second one)"},
      {"name is not the file's", with("/name", "other"),
       f + "/name: expected \"web\", the file's name without .json (got \"other\")"},
      {"bad bridge name", with("/bridge", "a-bridge-name-too-long"),
       f + "/bridge: interface name \"a-bridge-name-too-long\" is longer than 15 bytes"},
      {"bad id", with("/id", "ABC"), f + "/id: expected 64 lowercase hexadecimal digits (got \"ABC\")"},
      {"driver", with("/driver", "macvlan"), f + "/driver: expected one of: bridge (got \"macvlan\")"},
      {"MTU too small", with("/mtu", 40), f + "/mtu: expected an MTU from 68 to 65535 (got 40)"},
      {"MTU negative", with("/mtu", -1), f + "/mtu: expected an MTU from 68 to 65535 (got -1)"},
      {"not JSON", json(), ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    if (c.doc.is_null()) {
      auto bad = check_network_def("{\"name\": \"web\",", "/etc/nets/web.json");
      REQUIRE(bad.problems.size() == 1);
      CHECK(bad.problems[0].message().starts_with(f));
      CHECK(!bad.def);
      continue;
    }
    auto r = check(c.doc);
    INFO(messages(r));
    CHECK(!r.def);
    CHECK(r.problems.size() == 1);
    if (!r.problems.empty()) CHECK(r.problems[0].message() == c.line);
  }
}

TEST_CASE("a file whose name breaks the name rule is refused at /name") {
  json doc = minimal("-web");
  auto c = check(doc, "/etc/nets/-web.json");
  INFO(messages(c));
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].pointer == "/name");
  CHECK(c.problems[0].message().starts_with("/etc/nets/-web.json:/name: network name \"-web\" does not match"));
}

TEST_CASE("network names: letters, digits and _.- after a letter or digit, at most 64 bytes") {
  for (const char* good : {"a", "default", "web.prod-2_x", "0"}) {
    CAPTURE(good);
    CHECK(check_network_name(good));
  }
  CHECK(check_network_name(std::string(64, 'n')));
  for (const std::string& bad : std::vector<std::string>{"", "-a", ".hidden", "a/b", "a b", "é", std::string(65, 'n'), std::string("a\nb")}) {
    CAPTURE(bad);
    auto r = check_network_name(bad);
    REQUIRE(!r);
    CHECK(r.error().message().find('\n') == std::string::npos);
  }
}
