// A workload with CAP_NET_ADMIN in its namespace may delete, rename, move and forge
// devices there, and give a new one any free name and ifindex. Nothing of what it does
// may make the runtime hand the host a device that is not the one it lent, nor delete,
// readdress or bring up a host device that is not the container's. The test acts as the
// workload, through a socket in the container's namespace (busybox's `ip` cannot make
// links); each case reads back what the host holds afterwards.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <fstream>

#include "support/apply_helpers.hpp"
#include "support/hook_helpers.hpp"
#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"
#include "netns/link.hpp"

using namespace mr::test;

namespace {

// What a workload with CAP_NET_ADMIN can do in its namespace: a veth pair named `name`
// and `peer`, `name` at ifindex `index` (ip link add name NAME index N type veth peer
// name PEER).
void forge_veth(Space& ns, const std::string& name, const std::string& peer, int index) {
  mr::netns::nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  ifi.ifi_index = index;
  m.put(ifi);
  m.attr_str(IFLA_IFNAME, name);
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "veth");
    auto data = m.nest(IFLA_INFO_DATA);
    auto p = m.nest(VETH_INFO_PEER);
    m.put(ifinfomsg{});
    m.attr_str(IFLA_IFNAME, peer);
  }
  MUST(ns.nl.call(m));
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// No link of the host holds nic0's address, and no route of the host leads where nic0's
// route did: nothing of nic0's went to another device.
void nothing_of_nic0_on_host(Space& host) {
  for (const auto& a : MUST(mr::netns::list_addresses(host.nl)))
    CHECK_MESSAGE(a.prefix.address != ip("192.0.2.10"), "192.0.2.10 on link " << a.index);
  for (const auto& r : host.routes(AF_INET))
    CHECK_MESSAGE(r.destination != prefix("198.51.100.0/24"), "a route to 198.51.100.0/24 through link " << r.oif);
}

// A container `id` created with nic0 (a veth whose peer wire0 stays on the host) moved
// in as eth1, its workload sleeping.
struct LentNic0 : RecoveryFixture {
  std::string id;
  int nic0 = 0, wire0 = 0;
  explicit LentNic0(std::string container_id) : id(std::move(container_id)) {
    std::ofstream(b.dir + "/network.json")
        << R"({"version": 1, "devices": [{"name": "eth1", "move": "nic0", "addresses": ["10.1.0.2/24"]}]})";
    b.args({"sleep", "1000"});
    b.write();
    nic0 = sb.host().link("nic0").index;
    wire0 = sb.host().link("wire0").index;
    before = picture();
    auto c = runc({"create", "-b", b.dir, id});
    INFO(c.err);
    REQUIRE(c.status == 0);
  }
  Space container() { return container_space(runc.state(id)["pid"]); }
  std::string before;
};

}  // namespace

TEST_CASE("a veth forged at the ifindex of a destroyed lent device is never handed to the host") {
  LentNic0 f("forger");
  auto ctr = f.container();
  const int index = ctr.link("eth1").index;
  // The workload deletes nic0 (a veth: its peer wire0 on the host goes with it) and
  // makes a veth of its own in its place, name and ifindex.
  MUST(mr::netns::delete_link(ctr.nl, index));
  forge_veth(ctr, "eth1", "peerx", index);

  auto d = f.runc({"net", "detach", f.id, "eth1"});
  CHECK(d.status == 1);
  CHECK(lines_of(d.err).size() == 1);
  CHECK(d.err.starts_with("mini-runc: error: detach eth1: no device of that name was attached"));
  CHECK(ctr.link("eth1").index == index);
  CHECK_FALSE(f.sb.host().has_link("nic0"));

  auto del = f.runc({"delete", "--force", f.id});
  INFO(del.err);
  CHECK(del.status == 0);
  auto warned = lines_of(del.err);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0].starts_with("mini-runc: warning: nic0 was destroyed while lent to the container, so there is nothing "
                              "to return: its veth peer link " +
                              std::to_string(f.wire0) + " of the host is gone"));
  CHECK(has(warned[0], "link " + std::to_string(index) + " (eth1, a veth) is not it"));
  CHECK(has(warned[0], "left alone"));
  CHECK_FALSE(f.sb.host().has_link("nic0"));
  CHECK_FALSE(f.sb.host().has_link("peerx"));
  nothing_of_nic0_on_host(f.sb.host());
  CHECK(ctr.link("eth1").index == index);  // still the workload's, in its namespace
  CHECK_FALSE(f.has_state(f.id));
}

TEST_CASE("a lent device the workload hid in another namespace stays pending, and once back in the container it goes home") {
  LentNic0 f("hider");
  auto ctr = f.container();
  const int index = ctr.link("eth1").index;
  // The workload moves the real device into a namespace of its own and forges one in
  // its place.
  auto hideout = Space::make();
  MUST(mr::netns::move_link(ctr.nl, index, hideout.ns, "hidden"));
  forge_veth(ctr, "eth1", "peerx", index);

  auto del = f.runc({"delete", "--force", f.id});
  INFO(del.err);
  CHECK(del.status == 1);
  auto said = lines_of(del.err);
  REQUIRE(said.size() == 1);
  CHECK(said[0].starts_with("mini-runc: error: network teardown: undo return nic0 (eth1 in the container): nic0 is "
                            "not back: its veth peer link " +
                            std::to_string(f.wire0) + " of the host is paired with link"));
  CHECK(has(said[0], "of another namespace, not the container's"));
  CHECK(has(said[0], "link " + std::to_string(index) + " (eth1, a veth) is not it"));
  // Nothing was handed to the host, and the container stays for another try.
  CHECK_FALSE(f.sb.host().has_link("nic0"));
  nothing_of_nic0_on_host(f.sb.host());
  CHECK(f.has_state(f.id));
  CHECK(f.runc.state(f.id)["status"] == "stopped");
  CHECK(ctr.link("eth1").index == index);

  // The device comes back into the container (the test, for the workload): the next
  // delete finds it by its peer, whatever its name and index, and gives it back.
  MUST(mr::netns::move_link(hideout.nl, hideout.link("hidden").index, ctr.ns, "eth9"));
  auto again = f.runc({"delete", "--force", f.id});
  INFO(again.err);
  CHECK(again.status == 0);
  CHECK(again.err.empty());
  CHECK(f.sb.host().link("nic0").index == f.nic0);
  CHECK(f.sb.host().addresses(f.nic0, AF_INET) == std::vector<std::string>{"192.0.2.10/24"});
  CHECK(f.settled_picture(f.before) == f.before);
  CHECK_FALSE(f.has_state(f.id));
}

TEST_CASE("a device swapped by the workload during its return is sent back, not restored") {
  require_fault_injection();
  LentNic0 f("swapper");
  auto ctr = f.container();
  const int index = ctr.link("eth1").index;
  // detach pauses with nic0 found in the container, proven, and not yet moved.
  auto run = pause_at_step(f.runc, {"net", "detach", f.id, "eth1"}, 1, "MR_PAUSE_IN_RETURN");
  REQUIRE(run.paused);
  auto hideout = Space::make();
  MUST(mr::netns::move_link(ctr.nl, index, hideout.ns, "hidden"));
  forge_veth(ctr, "eth1", "peerx", index);
  auto d = resume_paused(run);
  INFO(d.err);
  CHECK(d.status == 1);
  CHECK(lines_of(d.err).size() == 1);
  CHECK(has(d.err, "return nic0: the link that left the container is not it (it should be a veth whose peer is link " +
                       std::to_string(f.wire0) + " of the host): sent back to the container"));
  // The forged link went home to its namespace untouched; the host has no nic0.
  CHECK_FALSE(f.sb.host().has_link("nic0"));
  CHECK_FALSE(f.sb.host().has_link("eth1"));
  nothing_of_nic0_on_host(f.sb.host());
  CHECK(ctr.link("mrback0").kind == "veth");
  CHECK(ctr.link("mrback0").parent == ctr.link("peerx").index);

  MUST(mr::netns::move_link(hideout.nl, hideout.link("hidden").index, ctr.ns, "eth9"));
  auto del = f.runc({"delete", "--force", f.id});
  INFO(del.err);
  CHECK(del.status == 0);
  CHECK(f.sb.host().link("nic0").index == f.nic0);
  CHECK(f.settled_picture(f.before) == f.before);
}

TEST_CASE("a device that vanished while lent is never restored onto a new host device with its name and index") {
  LentNic0 f("usurped");
  auto ctr = f.container();
  const int index = ctr.link("eth1").index;
  MUST(mr::netns::delete_link(ctr.nl, index));  // nic0 and wire0 are gone
  // The administrator makes a new nic0, at nic0's old ifindex even, down, MTU 1400.
  forge_veth(f.sb.host(), "nic0", "wire9", f.nic0);
  MUST(mr::netns::set_link_mtu(f.sb.host().nl, f.nic0, 1400));
  auto made = f.sb.host().link("nic0");

  auto del = f.runc({"delete", "--force", f.id});
  INFO(del.err);
  CHECK(del.status == 0);
  CHECK(lines_of(del.err).size() == 1);
  CHECK(has(del.err, "nic0 was destroyed while lent to the container"));
  auto now = f.sb.host().link("nic0");
  CHECK(now.index == made.index);
  CHECK(now.mtu == 1400);
  CHECK(now.mac == made.mac);
  CHECK_FALSE(now.up());
  CHECK(f.sb.host().addresses(now.index, AF_INET).empty());
  nothing_of_nic0_on_host(f.sb.host());
  CHECK_FALSE(f.has_state(f.id));
}

TEST_CASE("deleting a container never deletes another container's veth host end that took its name") {
  RecoveryFixture f;
  std::ofstream(f.b.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"hostName": "vh1", "bridge": "br0"}}]})";
  f.b.args({"sleep", "1000"});
  f.b.write();
  auto c1 = f.runc({"create", "-b", f.b.dir, "c1"});
  REQUIRE_MESSAGE(c1.status == 0, c1.err);
  // c1's workload deletes its end: the pair goes, and the name vh1 is free.
  auto ns1 = container_space(f.runc.state("c1")["pid"]);
  MUST(mr::netns::delete_link(ns1.nl, ns1.link("eth0").index));
  auto c2 = f.runc({"create", "-b", f.b.dir, "c2"});
  REQUIRE_MESSAGE(c2.status == 0, c2.err);
  auto vh1 = f.sb.host().link("vh1");

  auto del = f.runc({"delete", "--force", "c1"});
  INFO(del.err);
  CHECK(del.status == 0);
  CHECK(del.err == "mini-runc: warning: veth host end vh1 on the host is not the container's any more (its peer is not "
                   "in the container's namespace): left alone\n");
  CHECK(f.sb.host().link("vh1").index == vh1.index);
  CHECK(f.sb.host().link("vh1").master == f.sb.host().link("br0").index);
  auto ns2 = container_space(f.runc.state("c2")["pid"]);
  CHECK(ns2.link("eth0").index == vh1.parent);

  auto del2 = f.runc({"delete", "--force", "c2"});
  CHECK(del2.status == 0);
  CHECK_FALSE(f.sb.host().has_link("vh1"));
}

TEST_CASE("netns-hook poststop never deletes an administrator's link that took a freed veth host name") {
  HookHost sb;
  HookBundle b(R"({"version": 1, "devices": [{"name": "eth0", "veth": {"hostName": "vhook"}}]})");
  StandInContainer ctr;
  auto configured = run_hook(sb, b, {}, oci_state("hooked", "creating", ctr.pid(), b.path()));
  REQUIRE_MESSAGE(configured.exit_code == 0, configured.err);
  auto inside = container_space(ctr.pid());
  MUST(mr::netns::delete_link(inside.nl, inside.link("eth0").index));
  auto admin = sb.veth("vhook", "vhook-peer");

  auto undone = run_poststop(sb, b, "hooked");
  INFO(undone.err);
  CHECK(undone.exit_code == 0);
  CHECK(undone.err ==
        "netns-hook: warning: veth host end vhook on the host is not the container's any more (its peer is not in "
        "the container's namespace): left alone\n");
  CHECK(sb.host().link("vhook").index == admin.index);
  CHECK(sb.host().link("vhook-peer").parent == admin.index);
}

TEST_CASE_FIXTURE(RecoveryFixture, "a device that nothing could prove to be itself on its return is never lent") {
  // A tap: nothing the kernel reports of it (no permanent address, no bus device, no
  // peer, no lower device) tells it from one the workload makes with the same name,
  // kind, MAC and ifindex.
  MUST(mr::netns::run_in(sb.host().ns, []() -> mr::Result<void> {
    mr::UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!tun) return mr::fail(errno, "open /dev/net/tun");
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "tap0");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(tun.get(), TUNSETIFF, &ifr) != 0) return mr::fail(errno, "TUNSETIFF tap0");
    if (::ioctl(tun.get(), TUNSETPERSIST, 1) != 0) return mr::fail(errno, "TUNSETPERSIST tap0");
    return {};
  }));
  std::ofstream(b.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "move": "tap0"}]})";
  b.write();
  const std::string before = picture();
  const std::string expected = b.dir + "/network.json:/devices/0/move: host device \"tap0\" (a tun) cannot be lent";
  auto v = runc({"validate", "--bundle", b.dir});
  CHECK(v.status == 1);
  CHECK(has(v.err, expected));
  auto c = runc({"create", "-b", b.dir, "tapped"});
  CHECK(has(refused(c, before, "tapped"), expected));
  CHECK(sb.host().link("tap0").kind == "tun");
}
