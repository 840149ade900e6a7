// The bytes of the elements firewall/ruleset.cpp gives nf_tables: the layout nft uses
// (registers of 4 bytes for each part of a concatenation), and interval ends.
#include <doctest/doctest.h>

#include "firewall/ruleset.hpp"

using namespace mr;
using namespace mr::firewall;

static std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

static NetworkRules network_with(const std::string& subnet) {
  return {.network_id = "front", .bridge = "mr-front", .subnets = {*netns::IpPrefix::parse(subnet)}};
}

static const ruleset::Element& in_set(const std::vector<ruleset::Element>& all, const std::string& set) {
  for (const auto& e : all)
    if (e.set == set) return e;
  FAIL("no element in " << set);
  return all.front();
}

TEST_CASE("firewall ruleset: a subnet is an interval up to the first address past it") {
  auto v4 = ruleset::network_elements(network_with("10.89.0.7/24"));
  const auto& s4 = in_set(v4, "subnets4");
  CHECK(s4.interval);
  CHECK(s4.key == bytes({10, 89, 0, 0}));
  CHECK(s4.key_end == bytes({10, 89, 1, 0}));
  CHECK(in_set(v4, "nat_subnets4").key_end == s4.key_end);

  // A carry across bytes, and a prefix length that is no multiple of 8.
  CHECK(in_set(ruleset::network_elements(network_with("10.89.255.0/24")), "subnets4").key_end == bytes({10, 90, 0, 0}));
  CHECK(in_set(ruleset::network_elements(network_with("10.89.0.64/26")), "subnets4").key_end ==
        bytes({10, 89, 0, 128}));
  CHECK(in_set(ruleset::network_elements(network_with("10.89.0.0/21")), "subnets4").key_end == bytes({10, 89, 8, 0}));

  auto v6 = ruleset::network_elements(network_with("fd00:89::/64"));
  CHECK(in_set(v6, "subnets6").key_end == bytes({0xfd, 0, 0, 0x89, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));

  // The top of the address space has no end: nft leaves such an interval open.
  CHECK_FALSE(in_set(ruleset::network_elements(network_with("255.255.255.0/24")), "subnets4").key_end.has_value());
}

TEST_CASE("firewall ruleset: bridge names fill an ifname register, nul-padded") {
  auto all = ruleset::network_elements(network_with("10.89.0.0/24"));
  std::string name = std::string("mr-front") + std::string(8, '\0');
  CHECK(in_set(all, "bridges").key == name);
  CHECK(in_set(all, "same_bridge").key == name + name);
  CHECK(in_set(all, "bridges").text == "\"mr-front\"");
}

TEST_CASE("firewall ruleset: a port's key is the protocol's byte and the port in network order, 4 bytes each") {
  ContainerRules r{.network = network_with("10.89.0.0/24"), .container = "web"};
  r.ports.push_back({.protocol = Protocol::udp, .host_port = 8080, .container_port = 80, .range = 2,
                     .host_ip = *netns::IpAddress::parse("192.0.2.1"),
                     .container_ip = *netns::IpAddress::parse("10.89.0.2")});
  auto ports = ruleset::port_elements(r);
  REQUIRE(ports.size() == 4);  // two ports, each in an _addr and a _port map
  const auto& addr = ports[0].element;
  CHECK(addr.set == "dnat4_ip_addr");
  CHECK(addr.key == bytes({192, 0, 2, 1, 17, 0, 0, 0, 0x1f, 0x90, 0, 0}));
  CHECK(addr.data == bytes({10, 89, 0, 2}));
  CHECK(addr.comment == "web");
  CHECK(addr.text == "192.0.2.1 . udp . 8080");
  const auto& port = ports[3].element;
  CHECK(port.set == "dnat4_ip_port");
  CHECK(port.key == bytes({192, 0, 2, 1, 17, 0, 0, 0, 0x1f, 0x91, 0, 0}));
  CHECK(port.data == bytes({0, 81}));

  // The holder of a port on every address is looked up in both families' maps.
  auto keys = ruleset::port_keys(Protocol::tcp, 443, std::nullopt);
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].set == "dnat4_addr");
  CHECK(keys[1].set == "dnat6_addr");
  CHECK(keys[0].key == bytes({6, 0, 0, 0, 1, 0xbb, 0, 0}));
}
