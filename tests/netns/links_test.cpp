#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <sys/socket.h>

#include <cstring>

#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

// The link events queued on `events` so far, in order: "new NAME" for RTM_NEWLINK, "del
// NAME" for RTM_DELLINK. The kernel queues an rtnetlink request's notifications on the
// subscribers (rtnl_notify() -> netlink_broadcast(), under RTNL, in the sender's context)
// before netlink_rcv_skb() sends the request's ACK, so once a library call has returned,
// reading without waiting finds every event that call caused. Only later work (linkwatch
// carrier changes) may still come, and those are about links already seen.
std::vector<std::string> drain_link_events(const UniqueFd& events) {
  std::vector<std::string> out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::recv(events.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN) return out;
    REQUIRE_MESSAGE(n > 0, "reading link events: " << std::strerror(errno));  // ENOBUFS: events lost
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
      if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
        out.push_back((h->nlmsg_type == RTM_NEWLINK ? "new " : "del ") + parse_link(h).name);
  }
}

// The names that `events` announce as new links.
std::vector<std::string> new_links(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.starts_with("new ")) out.push_back(e.substr(4));
  return out;
}

// The names `events` announce as new links that are not in `known`. Linkwatch may
// announce a carrier change of any existing link at any time, so the known ones pass.
std::vector<std::string> unknown_new_links(const std::vector<std::string>& events,
                                           const std::vector<std::string>& known) {
  std::vector<std::string> out;
  for (auto& name : new_links(events))
    if (!contains(known, name)) out.push_back(std::move(name));
  return out;
}

}  // namespace

TEST_CASE("a link is found by name and by index") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  auto wire = sb.host().link("wire0");
  CHECK(nic.name == "nic0");
  CHECK(nic.kind == "veth");
  CHECK(nic.index > 1);
  CHECK(nic.parent == wire.index);  // a veth's IFLA_LINK is its peer
  CHECK_FALSE(nic.parent_elsewhere);
  auto by_index = MUST(get_link(sb.host().nl, nic.index));
  CHECK(by_index.name == "nic0");
  CHECK(by_index.index == nic.index);
  CHECK(MUST(find_link(sb.host().nl, "nic0"))->index == nic.index);
  CHECK_FALSE(MUST(find_link(sb.host().nl, "missing0")).has_value());
}

TEST_CASE("up and down are read back from the link's flags") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  CHECK(nic.up());
  MUST(set_link_up(sb.host().nl, nic.index, false));
  CHECK_FALSE(sb.host().link("nic0").up());
  CHECK((sb.host().link("nic0").flags & IFF_UP) == 0);
  MUST(set_link_up(sb.host().nl, nic.index, true));
  CHECK(sb.host().link("nic0").up());
}

TEST_CASE("rename, MTU and MAC are read back") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(rename_link(sb.host().nl, nic.index, "uplink0"));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(sb.host().link("uplink0").index == nic.index);
  MUST(set_link_mtu(sb.host().nl, nic.index, 1400));
  CHECK(sb.host().link("uplink0").mtu == 1400);
  auto mac = *MacAddress::parse("02:00:5e:10:00:42");
  MUST(set_link_mac(sb.host().nl, nic.index, mac));
  auto l = sb.host().link("uplink0");
  REQUIRE(l.mac);
  CHECK(*l.mac == mac);
}

TEST_CASE("one change request renames, resizes and brings a link up") {
  Sandbox sb;
  auto nic = sb.veth("nic0", "wire0");
  MUST(set_link_up(sb.host().nl, nic.index, false));
  MUST(change_link(sb.host().nl, nic.index, {.name = "eth7", .mtu = 1300, .up = true}));
  auto l = sb.host().link("eth7");
  CHECK(l.index == nic.index);
  CHECK(l.mtu == 1300);
  CHECK(l.up());
  // By name: the same request finds the link and changes it.
  MUST(change_link(sb.host().nl, "eth7", {.mtu = 1280, .up = false}));
  l = sb.host().link("eth7");
  CHECK(l.mtu == 1280);
  CHECK_FALSE(l.up());
  auto r = change_link(sb.host().nl, "eth7", {.name = "eth8"});
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EINVAL);
  CHECK(sb.host().has_link("eth7"));
}

TEST_CASE("a link moves to another namespace by fd, keeping or changing its name") {
  Sandbox sb;
  auto nic0 = sb.veth("nic0", "wire0");
  auto nic1 = sb.veth("nic1", "wire1");
  auto ctr = sb.child();
  MUST(move_link(sb.host().nl, nic0.index, ctr.ns));
  MUST(move_link(sb.host().nl, nic1.index, ctr.ns, "eth1"));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK_FALSE(sb.host().has_link("nic1"));
  CHECK(ctr.has_link("nic0"));
  auto eth1 = ctr.link("eth1");
  CHECK(eth1.kind == "veth");
  CHECK(eth1.parent_elsewhere);  // its peer stayed in the host
  CHECK_FALSE(eth1.up());        // the kernel brings a moving link down
  CHECK_FALSE(ctr.has_link("nic1"));
  CHECK(sb.host().has_link("wire1"));
}

TEST_CASE("a veth peer is made directly in the target namespace under its final name") {
  Sandbox sb;
  auto ctr = sb.child();
  MUST(create_veth(sb.host().nl,
                   {.name = "veth0", .peer_name = "eth0", .peer_ns = &ctr.ns, .settings = {.mtu = 1450, .up = true},
                    .peer_settings = {.mtu = 1450, .up = true}},
                   &ctr.nl));
  auto host_end = sb.host().link("veth0");
  CHECK(host_end.kind == "veth");
  CHECK(host_end.up());
  CHECK(host_end.mtu == 1450);
  CHECK(host_end.parent_elsewhere);
  CHECK_FALSE(sb.host().has_link("eth0"));
  auto ctr_end = ctr.link("eth0");
  CHECK(ctr_end.kind == "veth");
  CHECK(ctr_end.up());
  CHECK(ctr_end.mtu == 1450);
  CHECK(ctr_end.parent_elsewhere);
  CHECK(ctr_end.parent == host_end.index);  // IFLA_LINK names the peer's index over there
  CHECK_FALSE(ctr.has_link("veth0"));
}

TEST_CASE("a veth peer left down stays down, and asking for it up needs its socket") {
  Sandbox sb;
  auto ctr = sb.child();
  MUST(create_veth(sb.host().nl, {.name = "veth0", .peer_name = "eth0", .peer_ns = &ctr.ns}));
  CHECK_FALSE(ctr.link("eth0").up());
  CHECK_FALSE(sb.host().link("veth0").up());
  auto r = create_veth(sb.host().nl,
                       {.name = "veth1", .peer_name = "eth1", .peer_ns = &ctr.ns, .peer_settings = {.up = true}});
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EINVAL);
  CHECK_FALSE(sb.host().has_link("veth1"));  // refused before anything was made
  CHECK_FALSE(ctr.has_link("eth1"));
}

TEST_CASE("a bridge is made, and links are attached to it and detached") {
  Sandbox sb;
  auto br = sb.bridge("br0");
  CHECK(br.kind == "bridge");
  CHECK(br.up());
  auto nic = sb.veth("nic0", "wire0");
  CHECK(nic.master == 0);
  MUST(set_link_master(sb.host().nl, nic.index, br.index));
  CHECK(sb.host().link("nic0").master == br.index);
  MUST(set_link_master(sb.host().nl, nic.index, 0));
  CHECK(sb.host().link("nic0").master == 0);
  // A veth can also be attached in the request that makes it.
  Space ctr = sb.child();
  auto peer = sb.veth_into(ctr, "vh0", "eth0", br.index);
  CHECK(sb.host().link("vh0").master == br.index);
  CHECK(peer.master == 0);
}

TEST_CASE("a macvlan is made on a host parent directly in a target namespace") {
  Sandbox sb;
  auto parent = sb.veth("nic0", "wire0");
  auto ctr = sb.child();
  auto mode = MUST(parse_macvlan_mode("private"));
  MUST(create_macvlan(sb.host().nl, {.name = "eth0", .parent_index = parent.index, .mode = mode,
                                     .target = &ctr.ns, .settings = {.mtu = 1400, .up = true}}));
  CHECK_FALSE(sb.host().has_link("eth0"));
  auto mv = ctr.link("eth0");
  CHECK(mv.kind == "macvlan");
  CHECK(mv.macvlan_mode == MACVLAN_MODE_PRIVATE);
  CHECK(mv.parent == parent.index);
  CHECK(mv.parent_elsewhere);
  CHECK(mv.mtu == 1400);
  CHECK(mv.up());
  // Beside its parent, in another mode.
  MUST(create_macvlan(sb.host().nl, {.name = "mv1", .parent_index = parent.index,
                                     .mode = MUST(parse_macvlan_mode("vepa"))}));
  auto mv1 = sb.host().link("mv1");
  CHECK(mv1.macvlan_mode == MACVLAN_MODE_VEPA);
  CHECK_FALSE(mv1.parent_elsewhere);
  CHECK(mv1.parent == parent.index);
}

TEST_CASE("deleting a veth takes its peer with it") {
  Sandbox sb;
  auto ctr = sb.child();
  sb.veth_into(ctr, "veth0", "eth0");
  auto host_end = sb.host().link("veth0");
  MUST(delete_link(sb.host().nl, host_end.index));
  CHECK_FALSE(sb.host().has_link("veth0"));
  CHECK_FALSE(ctr.has_link("eth0"));
  auto bridge = sb.bridge("br0");
  MUST(delete_link(sb.host().nl, bridge.index));
  CHECK_FALSE(sb.host().has_link("br0"));
}

TEST_CASE("a veth peer, a macvlan and a renamed move never appear in the host under the new name") {
  Sandbox sb;
  auto parent = sb.veth("nic0", "wire0");
  auto nic1 = sb.veth("nic1", "wire1");
  auto ctr = sb.child();
  auto host_events = link_events(sb.host().ns);
  auto ctr_events = link_events(ctr.ns);

  MUST(create_veth(sb.host().nl, {.name = "veth0", .peer_name = "eth0", .peer_ns = &ctr.ns,
                                  .peer_settings = {.up = true}},
                   &ctr.nl));
  // The events each step caused, read as soon as its request was acknowledged.
  struct Seen {
    std::vector<std::string> host, ctr;
  };
  auto seen_after = [&] { return Seen{drain_link_events(host_events), drain_link_events(ctr_events)}; };
  auto [host_seen, ctr_seen] = seen_after();
  INFO("veth: host " << host_seen << ", container " << ctr_seen);
  CHECK(contains(host_seen, "new veth0"));  // the subscription works
  // No eth0 in the host, and no temporary name either; born in the container under its
  // final name.
  const std::vector<std::string> host_links{"lo", "nic0", "wire0", "nic1", "wire1", "veth0"};
  CHECK(unknown_new_links(host_seen, host_links).empty());
  CHECK(contains(new_links(ctr_seen), "eth0"));
  CHECK(unknown_new_links(ctr_seen, {"lo", "eth0"}).empty());

  MUST(create_macvlan(sb.host().nl, {.name = "eth1", .parent_index = parent.index, .target = &ctr.ns,
                                     .settings = {.up = true}}));
  auto [host_mv, ctr_mv] = seen_after();
  INFO("macvlan: host " << host_mv << ", container " << ctr_mv);
  CHECK(unknown_new_links(host_mv, host_links).empty());
  CHECK(contains(new_links(ctr_mv), "eth1"));
  CHECK(unknown_new_links(ctr_mv, {"lo", "eth0", "eth1"}).empty());

  MUST(move_link(sb.host().nl, nic1.index, ctr.ns, "eth2"));
  auto [host_mvd, ctr_mvd] = seen_after();
  INFO("move: host " << host_mvd << ", container " << ctr_mvd);
  CHECK(contains(host_mvd, "del nic1"));  // it left under its old name
  CHECK(unknown_new_links(host_mvd, host_links).empty());
  // In the container the kernel announces it under its old name first: do_setlink() moves
  // the device (__dev_change_net_namespace), then renames it, both under one RTNL hold.
  CHECK(contains(new_links(ctr_mvd), "eth2"));
  CHECK(unknown_new_links(ctr_mvd, {"lo", "eth0", "eth1", "nic1", "eth2"}).empty());
  CHECK(ctr.has_link("eth2"));
  CHECK_FALSE(sb.host().has_link("eth2"));
}
