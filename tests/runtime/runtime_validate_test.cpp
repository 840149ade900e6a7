// mini-runc validate and spec: checking and writing configs and specs without running anything.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/runtime_harness.hpp"

using namespace mr::test;

TEST_CASE_FIXTURE(MiniRuncFixture, "validate prints every problem of a bundle, one line each, and changes nothing") {
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

TEST_CASE_FIXTURE(MiniRuncFixture, "spec --network writes an example that validates") {
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

TEST_CASE_FIXTURE(MiniRuncFixture, "spec --net-admin gives the process CAP_NET_ADMIN and CAP_NET_RAW, for ip and ping inside") {
  std::string plain_dir = tmp.path() + "/plain";
  std::filesystem::create_directories(plain_dir);
  REQUIRE(runc({"spec", "--bundle", plain_dir}).status == 0);
  auto plain = nlohmann::json::parse(read_file(plain_dir + "/config.json"));
  std::filesystem::create_directories(b.dir);
  auto w = runc({"spec", "--bundle", b.dir, "--net-admin"});
  INFO(w.err);
  REQUIRE(w.status == 0);
  auto config = nlohmann::json::parse(read_file(b.dir + "/config.json"));
  for (const char* set : {"bounding", "effective", "permitted"}) {
    CAPTURE(set);
    auto caps = config["process"]["capabilities"][set].get<std::vector<std::string>>();
    auto plain_caps = plain["process"]["capabilities"][set].get<std::vector<std::string>>();
    for (const char* cap : {"CAP_NET_ADMIN", "CAP_NET_RAW"}) {
      CHECK(std::count(caps.begin(), caps.end(), cap) == 1);
      CHECK(std::count(plain_caps.begin(), plain_caps.end(), cap) == 0);
    }
    CHECK(caps.size() == plain_caps.size() + 2);  // nothing else changes
  }
  config["process"]["capabilities"] = plain["process"]["capabilities"];
  CHECK(config == plain);
  auto o = runc({"validate", "--bundle", b.dir, "--no-host"});
  CHECK_MESSAGE(o.status == 0, o.err);
  // It is about config.json: with --network (which writes network.json) it is refused.
  CHECK(runc({"spec", "--bundle", tmp.path(), "--network", "move", "--net-admin"}).status == 1);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "with spec --net-admin the workload configures its own network: ip addr add and ping") {
  // The administrator's walkthrough in the README, from inside the container.
  const std::vector<std::string> inside = {"sh", "-c", "ip addr add 10.9.9.9/32 dev lo && ping -c1 -W2 10.9.9.9"};
  std::string plain_dir = tmp.path() + "/plain";
  std::filesystem::create_directories(plain_dir);
  REQUIRE(runc({"spec", "--bundle", plain_dir}).status == 0);
  std::filesystem::create_directories(b.dir);
  REQUIRE(runc({"spec", "--bundle", b.dir, "--net-admin"}).status == 0);
  for (const char* applet : {"ip", "ping"}) std::filesystem::create_symlink("busybox", b.rootfs() + "/bin/" + applet);
  for (const std::string& dir : {plain_dir, b.dir}) {
    auto config = nlohmann::json::parse(read_file(dir + "/config.json"));
    config["root"]["path"] = b.rootfs();
    config["process"]["args"] = inside;
    std::ofstream(dir + "/config.json") << config.dump();
  }
  auto plain = runc({"run", "-b", plain_dir, "plain"});
  INFO("without: " << plain.err);
  CHECK(plain.status != 0);
  CHECK(plain.err.find("Operation not permitted") != std::string::npos);
  auto admin = runc({"run", "-b", b.dir, "admin"});
  INFO("with: " << admin.out << admin.err);
  CHECK(admin.status == 0);
  CHECK(admin.out.find("1 packets received") != std::string::npos);
}
