// A container's firewall rules as one journal line, and what validate() refuses.
#include <doctest/doctest.h>

#include "firewall/firewall.hpp"

using namespace mr;
using namespace mr::firewall;

static ContainerRules sample() {
  ContainerRules r;
  r.container = "web";
  r.network = {.network_id = "front", .bridge = "mr-front",
               .subnets = {*netns::IpPrefix::parse("10.89.0.0/24"), *netns::IpPrefix::parse("fd00:89::/64")}};
  r.ports = {{.protocol = Protocol::tcp, .host_port = 8080, .container_port = 80,
              .container_ip = *netns::IpAddress::parse("10.89.0.2")},
             {.protocol = Protocol::udp, .host_port = 5000, .container_port = 6000, .range = 3,
              .host_ip = *netns::IpAddress::parse("fd00::1"), .container_ip = *netns::IpAddress::parse("fd00:89::2")},
             {.protocol = Protocol::sctp, .host_port = 9000, .container_port = 9000,
              .container_ip = *netns::IpAddress::parse("10.89.0.2")}};
  return r;
}

TEST_CASE("firewall rules go into one journal line and come back equal") {
  auto r = sample();
  r.container = "web\nsecond line";  // refused by validate(), but the line must stay one line
  std::string line = encode(r);
  CHECK(line.find('\n') == std::string::npos);
  r = sample();
  line = encode(r);
  auto back = decode(line);
  REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().message()));
  CHECK(*back == r);
  CHECK(encode(*back) == line);
}

TEST_CASE("a journal line that is not firewall rules is refused at its JSON pointer") {
  auto broken = [](std::string line, const std::string& pointer) {
    auto r = decode(line);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().pointer == pointer);
  };
  broken("not json", "");
  broken(R"({"container": "web", "network": {"id": "n", "bridge": "b", "internal": false, "subnets": ["10.0.0.0/8"]}})",
         "/ports");
  broken(R"({"container": "web", "network": {"id": "n", "bridge": "b", "internal": false, "subnets": ["10.0.0.0/8"]},
             "ports": [{"protocol": "icmp", "hostPort": 1, "containerPort": 1, "range": 1, "containerIp": "10.0.0.2"}]})",
         "/ports/0/protocol");
  broken(R"({"container": "web", "network": {"id": "n", "bridge": "b", "internal": false, "subnets": ["10.0.0.0/8"]},
             "ports": [{"protocol": "tcp", "hostPort": 70000, "containerPort": 1, "range": 1, "containerIp": "10.0.0.2"}]})",
         "/ports/0/hostPort");
}

TEST_CASE("validate refuses what nftables would refuse or misread, in one line at its pointer") {
  auto refused = [](ContainerRules r, const std::string& pointer, const std::string& what) {
    auto v = validate(r);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().pointer == pointer);
    CHECK(v.error().message().find(what) != std::string::npos);
    CHECK(v.error().message().find('\n') == std::string::npos);
  };
  CHECK(validate(sample()).has_value());
  auto r = sample();
  r.network.bridge = "a-bridge-name-too-long";
  refused(r, "/network/bridge", "expected an interface name");
  r = sample();
  r.container = "we\"b";
  refused(r, "/container", "quote");
  r = sample();
  r.ports[0].host_port = 65535;
  r.ports[0].range = 2;
  refused(r, "/ports/0/hostPort", "whole range");
  r = sample();
  r.ports[0].container_ip = *netns::IpAddress::parse("10.90.0.2");
  refused(r, "/ports/0/containerIp", "subnet of network front");
  r = sample();
  r.ports[0].host_ip = *netns::IpAddress::parse("fd00::1");
  refused(r, "/ports/0/hostIp", "family");
  r = sample();
  r.ports.push_back(r.ports[0]);
  r.ports.back().container_port = 81;
  refused(r, "/ports/3/hostPort", "published twice");
  r = sample();
  r.ports[1].range = 0;
  refused(r, "/ports/1/range", "at least 1");
}
