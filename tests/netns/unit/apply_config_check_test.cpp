#include <doctest/doctest.h>

#include "netns/config_check.hpp"
#include "netns/sysctl.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

DeviceConfig moved(std::string name, std::string host, std::string origin) {
  return {.name = std::move(name), .kind = MoveDevice{.host_name = std::move(host)}, .origin = std::move(origin)};
}

}  // namespace

TEST_CASE("derived veth names are stable, distinct per container and fit the kernel") {
  CHECK(derived_veth_name("abc", 0) == derived_veth_name("abc", 0));
  CHECK(derived_veth_name("abc", 0) != derived_veth_name("abd", 0));
  CHECK(derived_veth_name("abc", 0) != derived_veth_name("abc", 1));
  CHECK(derived_veth_name("abc", 999, kDerivedVethVariants).size() <= 15);
  CHECK(check_ifname(derived_veth_name(std::string(200, 'x'), 999, kDerivedVethVariants)));
  CHECK(derived_veth_name("abc", 0, 1) == derived_veth_name("abc", 0) + "a");
  CHECK(derived_veth_name("abc", 0, kDerivedVethVariants) == derived_veth_name("abc", 0) + "z");
}

TEST_CASE("a derived host name is told from one a spec chose") {
  for (const char* id : {"a", "ctr-1", "a-much-longer-container-id.with+all_kinds"})
    for (size_t pos : {0u, 7u, 999u, 1234u})
      for (int variant : {0, 1, kDerivedVethVariants})
        CHECK(is_derived_veth_name(derived_veth_name(id, pos, variant)));
  for (const char* named : {"vpod0", "mr0", "eth0", "mr1234567-0", "mr1234567g-0", "mr12345678_0", "mr12345678-",
                            "mr12345678-1234", "mr12345678-0ab", "mr12345678-0A"})
    CHECK_MESSAGE(!is_derived_veth_name(named), named);
}

TEST_CASE("check_config points at what is wrong") {
  NetConfig cfg;
  cfg.devices.push_back(moved("eth0", "nic0", "/devices/0"));
  CHECK(check_config(cfg, "c"));
  auto expect = [&](const char* pointer, const char* words) {
    auto r = check_config(cfg, "c");
    REQUIRE_FALSE(r);
    CHECK(r.error().pointer == pointer);
    CHECK_MESSAGE(r.error().message().find(words) != std::string::npos, r.error().message());
  };
  SUBCASE("duplicate container name") {
    cfg.devices.push_back(moved("eth0", "nic1", "/devices/1"));
    expect("/devices/1", "used twice");
  }
  SUBCASE("same host device twice") {
    cfg.devices.push_back(moved("eth1", "nic0", "/devices/1"));
    expect("/devices/1", "used twice");
  }
  SUBCASE("name too long") {
    cfg.devices.push_back(moved("a-very-long-name0", "nic1", "/devices/1"));
    expect("/devices/1", "longer than 15");
  }
  SUBCASE("template on a created device") {
    cfg.devices.push_back({.name = "mv%d", .kind = MacvlanDevice{.parent = "nic9"}, .origin = "/devices/1"});
    expect("/devices/1", "only allowed for a moved device");
  }
  SUBCASE("template not at the end") {
    cfg.devices.push_back(moved("e%dth", "nic1", "/devices/1"));
    expect("/devices/1", "single %d");
  }
  SUBCASE("lo") {
    cfg.devices.push_back(moved("lo", "nic1", "/devices/1"));
    expect("/devices/1", "loopback");
  }
  SUBCASE("macvlan on a moved parent") {
    cfg.devices.push_back({.name = "mv0", .kind = MacvlanDevice{.parent = "nic0"}, .origin = "/devices/1"});
    expect("/devices/1", "moved into the container");
  }
  SUBCASE("route through an unknown device") {
    cfg.routes.push_back({.to = *IpPrefix::parse("10.0.0.0/8"), .device = "eth7", .origin = "/routes/0"});
    expect("/routes/0", "eth7");
  }
  SUBCASE("route families differ") {
    cfg.routes.push_back({.to = *IpPrefix::parse("::/0"), .via = *IpAddress::parse("10.0.0.1"), .origin = "/routes/0"});
    expect("/routes/0", "families differ");
  }
  SUBCASE("veth without a name or a container id") {
    cfg.devices.push_back({.name = "v0", .kind = VethDevice{}, .origin = "/devices/1"});
    auto r = check_config(cfg, "");
    REQUIRE_FALSE(r);
    CHECK(r.error().pointer == "/devices/1");
  }
  SUBCASE("sysctl outside net") {
    cfg.sysctls.push_back({"kernel.panic", "1"});
    expect("", "only net.*");
  }
}

TEST_CASE("sysctl keys map to /proc/sys/net and nowhere else") {
  CHECK(*sysctl_path("net.ipv4.ip_forward") == "/proc/sys/net/ipv4/ip_forward");
  CHECK(*sysctl_path("net/ipv4/conf/eth0.100/forwarding") == "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
  for (const char* bad : {"kernel.panic", "net", "net.", "net..ipv4", "net/../kernel/panic", "net/ipv4/../../kernel",
                          "net.ipv4/../x", "/net/ipv4", "vm/../net/ipv4", "net/ipv4//x", "netx.ipv4.y", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(sysctl_path(bad));
  }
}
