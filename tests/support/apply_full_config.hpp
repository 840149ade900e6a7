// The config most apply tests use, on a sandbox host prepared for it: two stand-in NICs
// to move (nic0 plainly, nic1 with its addresses), a third to parent a macvlan, a bridge
// for a veth, addresses of both families, routes of each shape and a sysctl.
#pragma once

#include "support/apply_helpers.hpp"
#include "netns/address.hpp"
#include "netns/network_config.hpp"
#include "netns/route.hpp"

namespace mr::test {

struct FullHost {
  Sandbox sb;
  FullHost() {
    auto nic0 = sb.veth("nic0", "wire0");
    MUST(netns::add_address(sb.host().nl, nic0.index, prefix("192.0.2.10/24")));
    MUST(netns::add_address(sb.host().nl, nic0.index, prefix("2001:db8:1::10/64"), {.no_dad = true}));
    // A static route through nic0: the move drops it, undo must bring it back.
    netns::Route via_nic0;
    via_nic0.destination = prefix("198.51.100.0/24");
    via_nic0.gateway = ip("192.0.2.1");
    via_nic0.oif = nic0.index;
    MUST(netns::add_route(sb.host().nl, via_nic0));
    auto nic1 = sb.veth("nic1", "wire1");
    MUST(netns::set_link_mtu(sb.host().nl, nic1.index, 1400));
    MUST(netns::add_address(sb.host().nl, nic1.index, prefix("203.0.113.20/24")));
    sb.veth("nic2", "wire2");
    auto br0 = sb.bridge("br0");
    // A bridge whose MAC nobody set takes its ports' lowest MAC, and all zeros once the
    // last port leaves (br_stp_recalculate_bridge_id()); bridge managers set it, so do we.
    MUST(netns::set_link_mac(sb.host().nl, br0.index, mac("02:00:00:00:b0:00")));
  }
};

inline netns::NetConfig full_config() {
  using namespace netns;
  NetConfig cfg;
  cfg.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic0"},
                         .addresses = {prefix("10.1.0.2/24"), prefix("fd00:1::2/64")},
                         .mtu = 1450, .mac = mac("02:00:00:00:aa:01"), .origin = "/devices/0"});
  cfg.devices.push_back({.name = "eth1", .kind = MoveDevice{.host_name = "nic1", .keep_addresses = KeepAddresses::all},
                         .origin = "/devices/1"});
  cfg.devices.push_back({.name = "mv0", .kind = MacvlanDevice{.parent = "nic2", .mode = MacvlanMode::bridge},
                         .addresses = {prefix("10.3.0.2/24")}, .mac = mac("02:00:00:00:aa:03"),
                         .origin = "/devices/2"});
  cfg.devices.push_back({.name = "veth0", .kind = VethDevice{.bridge = "br0", .host_addresses = {prefix("10.4.0.1/24")}},
                         .addresses = {prefix("10.4.0.2/24"), prefix("fd00:4::2/64")}, .mtu = 1300,
                         .origin = "/devices/3"});
  cfg.routes.push_back({.to = prefix("0.0.0.0/0"), .via = ip("10.1.0.1"), .origin = "/routes/0"});
  cfg.routes.push_back({.to = prefix("10.9.0.0/16"), .device = "eth1", .origin = "/routes/1"});
  cfg.routes.push_back({.to = prefix("::/0"), .via = ip("fd00:4::1"), .device = "veth0", .origin = "/routes/2"});
  cfg.routes.push_back({.to = prefix("172.16.0.0/12"), .via = ip("10.99.0.1"), .device = "mv0", .onlink = true,
                        .metric = 50, .origin = "/routes/3"});
  cfg.sysctls.push_back({"net.ipv4.ip_forward", "1"});
  return cfg;
}

}  // namespace mr::test
