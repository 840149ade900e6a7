// mini-runc applies the bundle's network spec between the init's unshare and its exec,
// and gives everything back when the container is deleted.
#include <doctest/doctest.h>

#include <fstream>
#include <optional>

#include "netns/address.hpp"
#include "netns/config_check.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;

namespace {

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "run applies network.json inside and returns the moved device after exit") {
  sb.veth("nic0", "wire0");
  sb.bridge("br0");
  MUST(mr::netns::add_address(sb.host().nl, sb.host().link("nic0").index, *mr::netns::IpPrefix::parse("198.51.100.1/24")));
  auto before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1,
    "devices": [{"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"]},
                {"name": "eth1", "veth": {"bridge": "br0", "hostName": "vh-net1"}, "addresses": ["10.88.0.5/16"]}],
    "routes": [{"to": "default", "via": "10.88.0.1"}],
    "dns": {"nameservers": ["10.88.0.1"], "search": ["example.com"]},
    "hosts": [{"address": "10.88.0.1", "names": ["gateway"]}]})");
  // The workload reports what the kernel shows it, and its /etc files.
  b.args({"sh", "-c", "cat /sys/class/net/eth0/address >/dev/null && ip -o -4 addr show && ip route && "
                      "cat /etc/resolv.conf /etc/hosts"});
  b.write();
  auto o = runc({"run", "--bundle", b.dir, "net1"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("eth0    inet 192.0.2.10/24") != std::string::npos);
  CHECK(o.out.find("eth1    inet 10.88.0.5/16") != std::string::npos);
  CHECK(o.out.find("default via 10.88.0.1 dev eth1") != std::string::npos);
  CHECK(o.out.find("198.51.100.1") == std::string::npos);  // the host's address stayed home
  CHECK(o.out.find("nameserver 10.88.0.1") != std::string::npos);
  CHECK(o.out.find("search example.com") != std::string::npos);
  CHECK(o.out.find("gateway") != std::string::npos);
  // The bundle's rootfs holds at most the empty mount points: the content was
  // bind-mounted from the state dir.
  for (const char* f : {"/etc/resolv.conf", "/etc/hosts"})
    if (std::filesystem::exists(b.rootfs() + f)) CHECK(std::filesystem::file_size(b.rootfs() + f) == 0);
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/net1"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a network spec naming a missing host device is refused with the host unchanged") {
  sb.bridge("br0");
  auto before = host_state(sb.host());
  write_file(b.dir + "/net.json", R"({"version": 1, "devices": [{"name": "eth0", "move": "nope0"}]})");
  b.args({"true"});
  b.write();
  auto o = runc({"run", "--bundle", b.dir, "--network", b.dir + "/net.json", "net2"});
  CHECK(o.status == 1);
  CHECK(o.err.find("/devices/0") != std::string::npos);
  CHECK(o.err.find("nope0") != std::string::npos);
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/net2"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a veth goes with its namespace, the next container of the same id is not kept waiting for it") {
  sb.bridge("br0");
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1,
    "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.88.0.5/16"]}]})");
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  const std::string plain = mr::netns::derived_veth_name("same", 0);
  REQUIRE(runc({"create", "-b", b.dir, "same"}).status == 0);
  // Held, as by a process that entered it: the namespace outlives the container.
  std::optional<mr::netns::Netns> held = MUST(mr::netns::Netns::open_pid(runc.state("same")["pid"]));
  REQUIRE(runc({"delete", "--force", "same"}).status == 0);
  CHECK(sb.host().link(plain).master == sb.host().link("br0").index);  // still in use: kept
  auto again = runc({"create", "-b", b.dir, "same"});
  INFO(again.err);
  REQUIRE(again.status == 0);
  CHECK(sb.host().link(plain + "a").master == sb.host().link("br0").index);
  held.reset();  // the kernel now deletes the first pair with its namespace
  auto only_variant = [&] { return std::to_string(sb.host().has_link(plain)) + std::to_string(sb.host().has_link(plain + "a")); };
  CHECK(settled(sb.host(), "01", only_variant) == "01");
  REQUIRE(runc({"delete", "--force", "same"}).status == 0);
  CHECK(settled_host_state(sb.host(), before) == before);
}
