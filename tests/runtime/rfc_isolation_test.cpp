// The 2006 network namespace RFC's isolation promises, through the real mini-runc: a new
// container has only its own loopback; what is assigned inside stays inside; loopback is
// private to each container (under runc with netns-hook too); containers joined by path
// share one view.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/rfc_support.hpp"
#include "netns/address.hpp"

using namespace mr::test;
using namespace mr::test::rfc;

namespace {

constexpr uint16_t kLoPort = 5555;

std::vector<std::string> link_names(Space& s) {
  std::vector<std::string> names;
  for (const auto& l : s.snapshot().links) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Every address of every link in `s`, as prefix texts.
std::vector<std::string> all_addresses(Space& s) { return prefix_texts(MUST(mr::netns::list_addresses(s.nl))); }

}  // namespace

TEST_CASE("rfc 1: a new container sees only its own lo, up, and none of the host's devices") {
  BridgedHost h;
  h.sb.veth("nic0", "wire0");
  auto host_lo = h.sb.host().link("lo");
  // Spec with only loopback: nothing of the host may come in with it.
  Container c(h.runc, h.dir("alone"), "alone", {{"version", 1}, {"loopback", {{"up", true}}}});
  CHECK(MUST(c.net().ns.inode()) != MUST(h.sb.host().ns.inode()));
  auto links = c.net().snapshot().links;
  REQUIRE(links.size() == 1);
  CHECK(links[0].name == "lo");
  CHECK(links[0].up());
  CHECK(all_addresses(c.net()) == std::vector<std::string>{"127.0.0.1/8", "::1/128"});
  // The host keeps all of its devices, its lo included.
  CHECK(link_names(h.sb.host()) == std::vector<std::string>{"br0", "lo", "nic0", "wire0"});
  CHECK(h.sb.host().link("lo").index == host_lo.index);
  // A host device's name means nothing inside.
  CHECK_FALSE(c.net().has_link("nic0"));
  CHECK(c.stop() == 0);
}

TEST_CASE("rfc 3: an address assigned inside is seen neither on the host nor in another container") {
  BridgedHost h;
  std::string before = host_state(h.sb.host());
  auto a = h.bridged("a", "10.88.0.2");
  auto b = h.bridged("b", "10.88.0.3");
  auto in_a = all_addresses(a->net()), in_b = all_addresses(b->net()), on_host = all_addresses(h.sb.host());
  CHECK(contains(in_a, "10.88.0.2/24"));
  CHECK_FALSE(contains(in_a, "10.88.0.3/24"));
  CHECK(contains(in_b, "10.88.0.3/24"));
  CHECK_FALSE(contains(in_b, "10.88.0.2/24"));
  CHECK_FALSE(contains(on_host, "10.88.0.2/24"));
  CHECK_FALSE(contains(on_host, "10.88.0.3/24"));
  CHECK(contains(on_host, "10.88.0.1/24"));
  CHECK_FALSE(contains(in_a, "10.88.0.1/24"));
  // The kernel's own answer: the address is local only in its container.
  CHECK(bind_errno(h.sb.host(), ip("10.88.0.2"), 9000) == EADDRNOTAVAIL);
  CHECK(bind_errno(b->net(), ip("10.88.0.2"), 9000) == EADDRNOTAVAIL);
  CHECK(bind_errno(a->net(), ip("10.88.0.2"), 9000) == 0);
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
  CHECK(settled_host_state(h.sb.host(), before) == before);
}

namespace {

void loopback_is_private(Engine engine) {
  BridgedHost h(engine);
  auto a = h.bridged("a", "10.88.0.2");
  auto b = h.bridged("b", "10.88.0.3");
  auto lo = ip("127.0.0.1");
  auto server = tcp_listen(a->net(), lo, kLoPort);
  // Reachable where it lives, so the refusals below are about isolation.
  mr::UniqueFd conn;
  REQUIRE(connect_errno(a->net(), lo, kLoPort, conn) == 0);
  auto accepted = accept_one(server);
  CHECK(peer_ip(accepted) == "127.0.0.1");
  CHECK(connect_errno(b->net(), lo, kLoPort, conn) == ECONNREFUSED);
  CHECK(connect_errno(h.sb.host(), lo, kLoPort, conn) == ECONNREFUSED);
  // Nor through A's own address from outside: the server is bound to A's loopback only.
  CHECK(connect_errno(b->net(), ip("10.88.0.2"), kLoPort, conn) == ECONNREFUSED);
  CHECK_FALSE(has_pending(server));
  // B's loopback port is its own, free although A's is taken.
  auto b_server = tcp_listen(b->net(), lo, kLoPort);
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
}

}  // namespace

TEST_CASE("rfc 4: a server on container A's loopback is reachable from neither container B nor the host") {
  loopback_is_private(Engine::mini_runc);
}

TEST_CASE("rfc 4, netns-hook under runc: a server on A's loopback is reachable from neither B nor the host") {
  loopback_is_private(Engine::runc_hook);
}

TEST_CASE("rfc 8: two containers joined to one network namespace by path see the same devices") {
  BridgedHost h;
  auto a = h.bridged("a", "10.88.0.2");
  Container b(h.runc, h.dir("b"), "b", Container::Join{a->pin()});
  CHECK(MUST(b.net().ns.inode()) == MUST(a->net().ns.inode()));
  CHECK(host_state(b.net()) == host_state(a->net()));
  CHECK(link_names(b.net()) == std::vector<std::string>{"eth0", "lo"});
  // What one binds, the other reaches on the shared loopback and shared eth0.
  auto server = tcp_listen(a->net(), ip("10.88.0.2"), kLoPort);
  mr::UniqueFd conn;
  CHECK(connect_errno(b.net(), ip("10.88.0.2"), kLoPort, conn) == 0);
  CHECK(local_ip(accept_one(server)) == "10.88.0.2");
  CHECK(bind_errno(b.net(), ip("10.88.0.2"), kLoPort) == EADDRINUSE);
  // The joiner ends without touching the owner's network.
  CHECK(b.stop() == 0);
  CHECK(a->net().has_link("eth0"));
  CHECK(contains(a->net().addresses(a->net().link("eth0").index), "10.88.0.2/24"));
  CHECK(a->stop() == 0);
}
