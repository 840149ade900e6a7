// The 2006 network namespace RFC's promises about host devices, through the real
// mini-runc: a moved device is the container's alone while it runs and comes home as it
// was; a macvlan exposes the host's wire to a container while the host keeps its device.
#include <doctest/doctest.h>

#include "support/rfc_support.hpp"
#include "netns/address.hpp"
#include "support/udp.hpp"

using namespace mr::test;
using namespace mr::test::rfc;

namespace {

constexpr uint16_t kTcpPort = 6000;

// A host whose "NIC" nic0 (192.0.2.1/24) is wired to `peer`'s wire0, which answers at
// 192.0.2.9/24 and 198.51.100.1/24.
struct WiredHost {
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc{sb, tmp.path() + "/root"};
  Space peer = sb.child();
  WiredHost() {
    sb.veth_into(peer, "nic0", "wire0");
    MUST(mr::netns::add_address(sb.host().nl, sb.host().link("nic0").index, prefix("192.0.2.1/24")));
    int wire = peer.link("wire0").index;
    MUST(mr::netns::add_address(peer.nl, wire, prefix("192.0.2.9/24")));
    MUST(mr::netns::add_address(peer.nl, wire, prefix("198.51.100.1/24")));
  }
};

// A TCP connection from `from` to the peer's listener arrives from `expected_source`.
void check_tcp_source(Space& from, Space& to, const std::string& to_ip, const std::string& expected_source) {
  auto server = tcp_listen(to, ip(to_ip), kTcpPort);
  mr::UniqueFd conn;
  REQUIRE(connect_errno(from, ip(to_ip), kTcpPort, conn) == 0);
  CHECK(peer_ip(accept_one(server)) == expected_source);
}

}  // namespace

TEST_CASE("rfc 2: a moved host device is inside under its new name with the spec's addresses, and comes home as it was") {
  WiredHost h;
  auto nic = h.sb.host().link("nic0");
  std::string before = host_state(h.sb.host());
  Container c(h.runc, h.tmp.path() + "/mv", "mv",
              {{"version", 1}, {"devices", {{{"name", "eth0"}, {"move", "nic0"}, {"addresses", {"198.51.100.2/24"}}}}}},
              SpecVia::network_option);

  auto eth0 = c.net().link("eth0");
  CHECK(eth0.kind == "veth");
  REQUIRE(eth0.mac);
  CHECK(eth0.mac->to_string() == nic.mac->to_string());  // the same device, renamed
  CHECK(eth0.up());
  auto inside = c.net().addresses(eth0.index, AF_INET);
  CHECK(inside == std::vector<std::string>{"198.51.100.2/24"});  // the spec's, not the host's
  // Gone from the host while the container runs, addresses and all.
  CHECK_FALSE(h.sb.host().has_link("nic0"));
  CHECK_FALSE(h.sb.host().has_link("eth0"));
  CHECK(bind_errno(h.sb.host(), ip("192.0.2.1"), kTcpPort) == EADDRNOTAVAIL);
  // It carries the container's traffic on the host's wire.
  c.net().wait_oper_up("eth0");
  h.peer.wait_oper_up("wire0");
  check_udp(c.net(), ip("198.51.100.2"), h.peer, ip("198.51.100.1"));
  check_tcp_source(c.net(), h.peer, "198.51.100.1", "198.51.100.2");

  CHECK(c.stop() == 0);
  CHECK(settled_host_state(h.sb.host(), before) == before);
  CHECK(h.sb.host().link("nic0").index == nic.index);
  h.sb.host().wait_oper_up("nic0");
  check_udp(h.sb.host(), ip("192.0.2.1"), h.peer, ip("192.0.2.9"));
}

TEST_CASE("rfc 7: a macvlan exposes the host's wire to the container while the host keeps its device and addresses") {
  WiredHost h;
  std::string before = host_state(h.sb.host());
  Container c(h.runc, h.tmp.path() + "/mac", "mac",
              {{"version", 1},
               {"devices",
                {{{"name", "eth0"}, {"macvlan", {{"parent", "nic0"}, {"mode", "bridge"}}}, {"addresses", {"192.0.2.5/24"}}}}}});
  auto eth0 = c.net().link("eth0");
  CHECK(eth0.kind == "macvlan");
  CHECK(eth0.parent_elsewhere);  // its parent stays in the host
  CHECK(c.net().addresses(eth0.index, AF_INET) == std::vector<std::string>{"192.0.2.5/24"});
  // The host's view is unchanged while the container runs: nic0 and its address stay.
  CHECK(settled_host_state(h.sb.host(), before) == before);
  CHECK_FALSE(contains(h.sb.host().addresses(0, AF_INET), "192.0.2.5/24"));

  c.net().wait_oper_up("eth0");
  check_udp(c.net(), ip("192.0.2.5"), h.peer, ip("192.0.2.9"));
  check_udp(h.peer, ip("192.0.2.9"), c.net(), ip("192.0.2.5"));
  check_tcp_source(c.net(), h.peer, "192.0.2.9", "192.0.2.5");
  check_tcp_source(h.peer, c.net(), "192.0.2.5", "192.0.2.9");
  // The host still uses its device on the same wire meanwhile.
  check_udp(h.sb.host(), ip("192.0.2.1"), h.peer, ip("192.0.2.9"));

  CHECK(c.stop() == 0);
  CHECK(settled_host_state(h.sb.host(), before) == before);
}
