// `mini-runc net attach/detach/show` on the built binary: the 2006 netns RFC's walkthrough
// (a container unshared with no network; the administrator makes a host device visible in
// it; it carries traffic; it goes back) and devices that come home when the container
// ends without a detach.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/net_cli_host.hpp"
#include "support/udp.hpp"

using namespace mr::test;
using json = nlohmann::ordered_json;

namespace {

// The table line of a link in `net show`, with the lines of its further addresses.
std::string table_line(const std::string& table, const std::string& name) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with(name + " ")) return line;
  FAIL("no line for " << name << " in:\n" << table);
  return "";
}

bool bridge_has_port(Space& host, const std::string& bridge) {
  int index = host.link(bridge).index;
  for (const auto& l : host.snapshot().links)
    if (l.master == index) return true;
  return false;
}

}  // namespace

TEST_CASE_FIXTURE(NetCliHost, "net attach moves a host device into a container started without network, "
                              "net detach gives it back as it was") {
  b.args(kWaitForTerm);
  b.write();
  int pid = run_detached("rfc");
  Space ctr = pinned("rfc");
  auto snap = ctr.snapshot();
  REQUIRE(snap.links.size() == 1);  // unshared with no network: lo only
  CHECK(snap.links[0].name == "lo");
  std::string ctr_before = host_state(ctr);
  int nic0_index = sb.host().link("nic0").index;

  auto attached = ok({"net", "attach", "rfc", "nic0", "--name", "eth0", "--address", "10.0.0.1/24", "--address",
                      "fd00::1/64"});
  CHECK(attached.out.empty());
  check_nic0_attached_as_eth0(sb.host(), ctr, peer, nic0_index);

  json view = show("rfc");
  const json& shown = shown_link(view, "eth0");
  CHECK(shown["host"]["origin"] == "moved");
  CHECK(shown["host"]["name"] == "nic0");
  CHECK(shown["index"] == nic0_index);
  CHECK_FALSE(shown_link(view, "lo").contains("host"));
  std::string table = ok({"net", "show", "rfc"}).out;
  std::string line = table_line(table, "eth0");
  CHECK(line.find("moved from host nic0") != std::string::npos);
  CHECK(line.find("10.0.0.1/24") != std::string::npos);
  CHECK(table_line(table, "lo").ends_with("container"));

  ok({"net", "detach", "rfc", "eth0"});
  CHECK(settled_host_state(sb.host(), before) == before);  // name, MTU, MAC, up, its address
  CHECK(settled_host_state(ctr, ctr_before) == ctr_before);

  ok({"kill", "rfc", "TERM"});
  wait_gone(pid);
  ok({"delete", "rfc"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(NetCliHost, "devices attached to a foreground run come home when its workload exits") {
  std::string go = b.rootfs() + "/tmp/go";
  REQUIRE(::mkfifo(go.c_str(), 0600) == 0);
  b.args({"sh", "-c", "echo ready; read x < /tmp/go"});
  b.write();
  mr::UniqueFd out;
  pid_t run = runc.spawn({"run", "-b", b.dir, "fg"}, out);
  char buf[6] = {};
  REQUIRE(::read(out.get(), buf, 6) == 6);
  REQUIRE(std::string(buf, 6) == "ready\n");

  ok({"net", "attach", "fg", "nic0", "--name", "eth0", "--address", "10.0.0.1/24"});
  ok({"net", "attach", "fg", "nic1", "--macvlan", "--mode", "vepa", "--name", "mv0", "--address", "10.3.0.2/24"});
  ok({"net", "attach", "fg", "--veth", "--name", "v0", "--bridge", "br0", "--mtu", "1400"});
  // Held open, as by any process that entered it: what goes home must be sent home, not
  // left to die; what was made for the container lives as long as its namespace.
  std::optional<Space> ctr = pinned("fg");
  CHECK(ctr->has_link("eth0"));
  CHECK(ctr->link("mv0").kind == "macvlan");
  CHECK(ctr->link("v0").mtu == 1400);
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(bridge_has_port(sb.host(), "br0"));

  {
    mr::UniqueFd w(::open(go.c_str(), O_WRONLY | O_CLOEXEC));  // waits for the reader
    REQUIRE(w);
    REQUIRE(::write(w.get(), "go\n", 3) == 3);
  }
  CHECK(wait_status(run) == 0);
  CHECK_FALSE(ctr->has_link("eth0"));
  CHECK(sb.host().has_link("nic0"));
  CHECK(ctr->link("mv0").kind == "macvlan");
  CHECK(ctr->link("v0").kind == "veth");
  ctr.reset();  // the namespace's last holder: the kernel deletes the macvlan and the veth pair
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(::access((runc.root() + "/fg").c_str(), F_OK) != 0);
}

TEST_CASE_FIXTURE(NetCliHost, "a device attached to a created container comes home at delete after the workload ends") {
  b.args(kWaitForTerm);
  b.write();
  ok({"create", "-b", b.dir, "c1"});
  int pid = runc.state("c1")["pid"];
  // No --name: it keeps its host name; --keep-addresses: and the host's address.
  ok({"net", "attach", "c1", "nic0", "--keep-addresses"});
  {
    Space ctr = pinned("c1");
    CHECK(contains(ctr.addresses(ctr.link("nic0").index), "198.51.100.1/24"));
  }
  ok({"start", "c1"});
  ok({"kill", "c1", "TERM"});
  wait_gone(pid);
  CHECK(runc.state("c1")["status"] == "stopped");
  CHECK(refused({"net", "detach", "c1", "nic0"}).find("stopped") != std::string::npos);
  CHECK_FALSE(sb.host().has_link("nic0"));  // lent until delete

  ok({"delete", "c1"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(NetCliHost, "the RFC walkthrough: eth0 made visible, its address given from inside the container") {
  b.args(kWaitForTerm);
  b.write();
  int pid = run_detached("rfc");
  int nic0_index = sb.host().link("nic0").index;
  ok({"net", "attach", "rfc", "nic0", "--name", "eth0"});
  Space ctr = pinned("rfc");
  int eth0 = ctr.link("eth0").index;
  CHECK(eth0 == nic0_index);
  CHECK(ctr.addresses(eth0, AF_INET).empty());  // the host's address stayed behind, none given
  // From inside: through a socket in the container's namespace, as its ip(8) would do it.
  MUST(mr::netns::add_address(ctr.nl, eth0, prefix("10.0.0.1/24")));
  MUST(mr::netns::add_address(ctr.nl, eth0, prefix("fd00::1/64"), {.no_dad = true}));
  check_nic0_attached_as_eth0(sb.host(), ctr, peer, nic0_index);

  // net show reads what the container set from the kernel, with the device's origin.
  json view = show("rfc");
  const json& shown = shown_link(view, "eth0");
  CHECK(shown["host"]["name"] == "nic0");
  CHECK(contains(shown["addresses"].get<std::vector<std::string>>(), "10.0.0.1/24"));
  CHECK(contains(shown["addresses"].get<std::vector<std::string>>(), "fd00::1/64"));

  // Home with the host's address and MTU, not what it was given inside.
  ok({"net", "detach", "rfc", "eth0"});
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(ctr.snapshot().links.size() == 1);
  ok({"kill", "rfc", "TERM"});
  wait_gone(pid);
  ok({"delete", "rfc"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(NetCliHost, "net detach deletes a veth and a macvlan and returns a device of the spec, "
                              "each time leaving the rest as it was") {
  // A bridge takes its ports' lowest MAC unless one is set (br_stp_recalculate_bridge_id()).
  MUST(mr::netns::set_link_mac(sb.host().nl, sb.host().link("br0").index, mac("02:00:00:00:b0:00")));
  before = host_state(sb.host());
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["10.0.0.1/24"], "mtu": 1400}]})";
  b.args(kWaitForTerm);
  b.write();
  int pid = run_detached("c1");
  Space ctr = pinned("c1");
  CHECK(ctr.link("eth0").mtu == 1400);
  const std::string host0 = host_state(sb.host()), ctr0 = host_state(ctr);
  ok({"net", "attach", "c1", "nic2", "--macvlan", "--name", "mv0", "--address", "10.3.0.2/24"});
  const std::string host1 = host_state(sb.host()), ctr1 = host_state(ctr);
  ok({"net", "attach", "c1", "--veth", "--name", "v0", "--bridge", "br0", "--host-address", "10.4.0.1/24",
      "--address", "10.4.0.2/24"});
  json view = show("c1");
  std::string host_end = shown_link(view, "v0")["host"]["name"];
  CHECK(sb.host().link(host_end).master == sb.host().link("br0").index);
  CHECK(ctr.link("mv0").kind == "macvlan");

  ok({"net", "detach", "c1", "v0"});  // both ends gone, the bridge without its port
  CHECK_FALSE(ctr.has_link("v0"));
  CHECK_FALSE(sb.host().has_link(host_end));
  CHECK(settled_host_state(sb.host(), host1) == host1);
  CHECK(settled_host_state(ctr, ctr1) == ctr1);  // eth0 and mv0 as they were

  ok({"net", "detach", "c1", "mv0"});
  CHECK_FALSE(ctr.has_link("mv0"));
  CHECK(settled_host_state(sb.host(), host0) == host0);  // nic2 untouched
  CHECK(settled_host_state(ctr, ctr0) == ctr0);

  int eth0_index = ctr.link("eth0").index;
  ok({"net", "detach", "c1", "eth0"});  // of the spec: home under its name, address, MTU 1500, up
  CHECK(sb.host().link("nic0").index == eth0_index);
  CHECK(settled_host_state(sb.host(), before) == before);
  auto left = ctr.snapshot().links;
  REQUIRE(left.size() == 1);
  CHECK(left[0].name == "lo");

  ok({"kill", "c1", "TERM"});
  wait_gone(pid);
  ok({"delete", "c1"});  // nothing left to give back
  CHECK(settled_host_state(sb.host(), before) == before);
}
