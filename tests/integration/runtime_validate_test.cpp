// mini-runc validate and spec --network: checking and writing specs without running anything.
#include <doctest/doctest.h>

#include <fstream>

#include "runtime_harness.hpp"

using namespace mr::test;

TEST_CASE_FIXTURE(RuncFixture, "validate prints every problem of a bundle, one line each, and changes nothing") {
  sb.bridge("br0");
  auto before = host_state(sb.host());
  b.write();
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [
    {"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.88.0.300/16"]},
    {"name": "eth1", "move": "nic9", "bogus": true}]})";
  auto o = runc({"validate", "--bundle", b.dir});
  CHECK(o.status == 1);
  INFO(o.err);
  // The device that was read is looked up on the host although the spec has problems.
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 3);
  CHECK(o.err.find("network.json:/devices/0/addresses/0") != std::string::npos);
  CHECK(o.err.find("network.json:/devices/1/bogus: unknown key \"bogus\"") != std::string::npos);
  CHECK(o.err.find("network.json:/devices/1/move: host device \"nic9\" does not exist") != std::string::npos);
  // A spec that is valid in itself is checked against the host too.
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth1", "move": "nope0"}]})";
  auto host = runc({"validate", "--bundle", b.dir});
  CHECK(host.status == 1);
  CHECK(host.err.find("/devices/0") != std::string::npos);
  CHECK(host.err.find("nope0") != std::string::npos);
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK_FALSE(std::filesystem::exists(runc.root()));
}

TEST_CASE_FIXTURE(RuncFixture, "spec --network writes an example that validates") {
  sb.bridge("mr0");
  b.write();
  auto w = runc({"spec", "--bundle", b.dir, "--network", "veth-bridge"});
  REQUIRE(w.status == 0);
  auto o = runc({"validate", "--bundle", b.dir, "--no-host"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out.find("valid") != std::string::npos);
  CHECK(runc({"spec", "--bundle", b.dir, "--network", "veth-bridge"}).status == 1);  // never overwrites
}
