// Network specs at the scale the benchmark applies (50,000 addresses, routes or devices)
// and invalid ones with as many problems, checked whole, with the exact lines. Nothing
// here is timed. Each step on the path that once compared every pair (nlohmann's callback
// parser over an array of objects, the gateway check against every address, the host-name
// check of every pair of devices, the schema's one line per pointer against every line so
// far) made one of these cases run past ctest's timeout; done in one pass each, they take
// seconds. A timeout here means something on the path grows faster than N again.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "netspec/network_spec.hpp"
#include "oci_test_util.hpp"

using namespace mr;
using namespace mr::netspec;
using nlohmann::json;
using mr::test::messages;

namespace {

constexpr size_t kN = 50000;

netspec::SpecCheck check(const json& doc) { return check_network_spec(doc.dump(), "net.json"); }

// The i-th of kN distinct IPv4 host addresses (10.0.0.1/32 first), each its own /32.
std::string host_address(size_t i) {
  ++i;
  return "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) + "/32";
}

}  // namespace

TEST_CASE("a spec of 50,000 addresses and 50,000 routes is valid, and a duplicate address is refused at its pointer") {
  json addresses = json::array();
  for (size_t i = 0; i + 1 < kN; ++i) addresses.push_back(host_address(i));
  // The gateway's subnet is the last address's: a check of each route against each
  // address in turn would look at all of them for every route.
  addresses.push_back("172.16.0.2/16");
  json routes = json::array();
  for (size_t i = 0; i < kN; ++i)
    routes.push_back({{"to", "192." + std::to_string(168 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
                                 std::to_string(i & 255) + "/32"},
                      {"via", "172.16.0.1"}});
  json doc = {{"version", 1},
              {"devices", {{{"name", "eth0"}, {"veth", {{"bridge", "br0"}}}, {"addresses", addresses}}}},
              {"routes", routes}};
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.problems.empty());
  REQUIRE(c.spec);
  CHECK(c.spec->net.devices.at(0).addresses.size() == kN);
  CHECK(c.spec->net.routes.size() == kN);

  doc["devices"][0]["addresses"][40000] = host_address(7);
  c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() == "net.json:/devices/0/addresses/40000: duplicate address 10.0.0.8");
}

TEST_CASE("50,000 veths on one bridge are valid, and a host name taken twice is refused at the second") {
  json devices = json::array();
  for (size_t i = 0; i < kN; ++i)
    devices.push_back({{"name", "e" + std::to_string(i)},
                       {"veth", {{"bridge", "br0"}, {"hostName", "h" + std::to_string(i)}}}});
  json doc = {{"version", 1}, {"devices", devices}};
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.problems.empty());
  CHECK(c.spec->net.devices.size() == kN);

  doc["devices"][40000]["veth"]["hostName"] = "h7";
  c = check(doc);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message() ==
        "net.json:/devices/40000/veth/hostName: host device \"h7\" is already the host end of a veth at "
        "net.json:/devices/7/veth/hostName");
}

TEST_CASE("50,000 routes without a destination are refused with one line each") {
  json routes = json::array();
  for (size_t i = 0; i < kN; ++i) routes.push_back({{"via", "10.0.0.1"}});
  json doc = {{"version", 1},
              {"devices", {{{"name", "eth0"}, {"veth", json::object()}, {"addresses", {"10.0.0.2/24"}}}}},
              {"routes", routes}};
  auto c = check(doc);
  REQUIRE(c.problems.size() == kN);
  CHECK(c.problems.front().message() == "net.json:/routes/0: missing required property 'to' (got an object)");
  CHECK(c.problems.back().message() == "net.json:/routes/49999: missing required property 'to' (got an object)");
}

TEST_CASE("200,000 sysctls with a number for a value are refused with one line each") {
  // Names of one length with a long common beginning: one line per pointer, checked
  // against every line reported so far, would compare each pair of them to the end.
  constexpr size_t kSysctls = 200000;
  const std::string prefix = "net." + std::string(50, 'x') + ".";
  json sysctls = json::object();
  for (size_t i = 0; i < kSysctls; ++i) {
    std::string number = std::to_string(i);
    sysctls[prefix + std::string(6 - number.size(), '0') + number] = 1;
  }
  auto c = check({{"version", 1}, {"sysctl", sysctls}});
  REQUIRE(c.problems.size() == kSysctls);
  CHECK(std::all_of(c.problems.begin(), c.problems.end(), [&](const mr::Error& p) {
    return p.pointer.starts_with("/sysctl/" + prefix) && p.context == "expected a string (got 1)";
  }));
  CHECK(c.problems.front().pointer == "/sysctl/" + prefix + "000000");
  CHECK(c.problems.back().pointer == "/sysctl/" + prefix + "199999");
}
