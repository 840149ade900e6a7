// The plugin's host device kinds, run as a runtime runs it: a host device moved in as
// CNI_IFNAME and given back on DEL as it was (name, addresses, MTU, up or down), and
// only that device, whatever the workload renamed, deleted or forged; a macvlan of a host
// device; a veth on a host bridge; and addresses from Debian's host-local as a delegated
// IPAM plugin, given back through it. Each read back from the kernel and the IPAM's files.
#include <doctest/doctest.h>

#include <filesystem>

#include "netns/address.hpp"
#include "netns/link.hpp"
#include "netns/route.hpp"
#include "support/apply_helpers.hpp"
#include "support/cni_host.hpp"
#include "support/recovery_host.hpp"
#include "support/scoped_env.hpp"

using namespace mr;
using namespace mr::test;
using nlohmann::json;

namespace {

struct KindFixture : CniFixture {
  // A configuration of `kind` ({"device": "nic0"}, ...) kept in this test's state directory.
  json kind_config(const json& kind) {
    json c = {{"cniVersion", "1.0.0"}, {"name", "lan"}, {"type", "mini-runc-cni"}, {"stateDir", state}};
    c.update(kind);
    return c;
  }
  // host-local's section, its leases under this test's directory: 10.77.0.0/24 with its
  // gateway, a default route and one through another gateway.
  std::string leases = tmp.file("host-local");
  json host_local() {
    return {{"type", "host-local"},
            {"dataDir", leases},
            {"ranges", {{{{"subnet", "10.77.0.0/24"}, {"gateway", "10.77.0.1"}}}}},
            {"routes", {{{"dst", "0.0.0.0/0"}}, {{"dst", "10.78.0.0/16"}, {"gw", "10.77.0.254"}}}}};
  }
  // The addresses host-local has handed out for network "lan": its lease files.
  std::vector<std::string> leased() {
    std::vector<std::string> out;
    if (!std::filesystem::exists(leases + "/lan")) return out;
    for (const auto& e : std::filesystem::directory_iterator(leases + "/lan")) {
      std::string name = e.path().filename();
      if (name.find('.') != std::string::npos && name != "last_reserved_ip.0") out.push_back(name);
    }
    return out;
  }
  // Nothing of attachment (c1, eth0) is left: no lease, no state, no eth0 in `pod`, and
  // the host as `before`.
  void all_given_back(CniPod& pod, const std::string& before) {
    CHECK(leased().empty());
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(attached("c1", "eth0"));
    CHECK_FALSE(pod.space.has_link("eth0"));
  }
};

bool routed(Space& s, int oif, const char* to, const char* via) {
  auto routes = s.routes(AF_INET);
  return std::any_of(routes.begin(), routes.end(), [&](const netns::Route& r) {
    return r.oif == oif && r.destination == prefix(to) && r.gateway == ip(via);
  });
}

}  // namespace

TEST_CASE_FIXTURE(KindFixture, "cni: a host device moved in as CNI_IFNAME comes back on DEL with its name, addresses, MTU and state") {
  auto& host = sb.host();
  // nic2 down, with an MTU and an address of its own; nic0 up, with an address and a route.
  auto nic2 = host.link("nic2");
  MUST(netns::set_link_mtu(host.nl, nic2.index, 1400));
  MUST(netns::add_address(host.nl, nic2.index, prefix("192.0.2.20/24")));
  MUST(netns::set_link_up(host.nl, nic2.index, false));
  auto p = pod("p1");
  std::string name;
  json conf;
  SUBCASE("named by device, up") {
    name = "nic0";
    conf = kind_config({{"device", "nic0"}});
  }
  SUBCASE("found by hwaddr, down") {
    name = "nic2";
    conf = kind_config({{"hwaddr", nic2.mac->to_string()}});
  }
  CAPTURE(name);
  const std::string before = picture();
  const auto was = host.link(name);
  const auto addresses = host.addresses(was.index, AF_INET);

  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  json r = add.json();
  CHECK_FALSE(host.has_link(name));
  auto eth0 = p.space.link("eth0");
  CHECK(eth0.mac == was.mac);
  CHECK(r["interfaces"] == json::array({{{"name", "eth0"}, {"mac", was.mac->to_string()}, {"sandbox", p.path}}}));
  CHECK_FALSE(r.contains("ips"));
  CHECK(run("CHECK", "c1", p.path, "eth0", conf).status == 0);

  // The workload changes all it can of the device.
  MUST(netns::set_link_mtu(p.space.nl, eth0.index, 1280));
  MUST(netns::add_address(p.space.nl, eth0.index, prefix("10.66.0.2/24")));
  MUST(netns::set_link_up(p.space.nl, eth0.index, !was.up()));

  auto del = run("DEL", "c1", p.path, "eth0", conf);
  CHECK_MESSAGE(del.status == 0, del.out, del.err);
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK_FALSE(attached("c1", "eth0"));
  auto back = host.link(name);
  CHECK(back.mac == was.mac);
  CHECK(back.mtu == was.mtu);
  CHECK(back.up() == was.up());
  CHECK(host.addresses(back.index, AF_INET) == addresses);
  // nic0's route too, and nothing else of the host changed.
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(KindFixture, "cni: DEL gives back the device ADD moved in, never one the workload forged") {
  auto& host = sb.host();
  auto p = pod("p1");
  const std::string before = picture();
  const auto nic0 = host.link("nic0");
  const json conf = kind_config({{"device", "nic0"}});
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  auto eth0 = p.space.link("eth0");
  // A device the workload makes under the moved one's name, with its MAC.
  auto forge = [&] {
    MUST(netns::create_veth(p.space.nl, {.name = "eth0", .peer_name = "fake0", .settings = {.mac = nic0.mac}}));
    return p.space.link("eth0").index;
  };
  SUBCASE("renamed, and a forged one under its name") {
    MUST(netns::set_link_up(p.space.nl, eth0.index, false));
    MUST(netns::rename_link(p.space.nl, eth0.index, "stolen0"));
    const int forged = forge();
    CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
    // The real one is home as it was; the forged one stays with the workload.
    CHECK_FALSE(p.space.has_link("stolen0"));
    CHECK(p.space.link("eth0").index == forged);
    MUST(netns::delete_link(p.space.nl, forged));
    CHECK(settled_picture(before) == before);
  }
  SUBCASE("deleted, and a forged one under its name") {
    // A veth dies with its peer: nic0 and wire0 are gone for good.
    MUST(netns::delete_link(p.space.nl, eth0.index));
    const int forged = forge();
    auto del = run("DEL", "c1", p.path, "eth0", conf);
    CHECK_MESSAGE(del.status == 0, del.out, del.err);
    CHECK_FALSE(host.has_link("nic0"));
    CHECK(p.space.link("eth0").index == forged);
    CHECK(p.space.has_link("fake0"));
  }
  CHECK_FALSE(attached("c1", "eth0"));
}

TEST_CASE_FIXTURE(KindFixture, "cni: a macvlan of master is CNI_IFNAME with its mode and MTU, deleted on DEL") {
  auto& host = sb.host();
  auto p = pod("p1");
  const std::string before = picture();
  const json conf = kind_config({{"master", "nic2"}, {"mode", "private"}, {"mtu", 1400}});
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  auto eth0 = p.space.link("eth0");
  CHECK(eth0.kind == "macvlan");
  CHECK(eth0.macvlan_mode == static_cast<uint32_t>(netns::MacvlanMode::private_));
  CHECK(eth0.mtu == 1400);
  CHECK(eth0.up());
  // Its parent is the host's nic2, by ifindex in the host's namespace.
  CHECK(eth0.parent_elsewhere);
  CHECK(eth0.parent == host.link("nic2").index);
  CHECK(add.json()["interfaces"] == json::array({{{"name", "eth0"}, {"mac", eth0.mac->to_string()}, {"sandbox", p.path}}}));
  CHECK(run("CHECK", "c1", p.path, "eth0", conf).status == 0);
  CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK_FALSE(attached("c1", "eth0"));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(KindFixture, "cni: a veth on bridge is CNI_IFNAME in the pod and a port of the bridge, gone on DEL") {
  auto& host = sb.host();
  auto p = pod("p1");
  const std::string before = picture();
  const json conf = kind_config({{"bridge", "br0"}, {"mtu", 1450}});
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  json r = add.json();
  auto eth0 = p.space.link("eth0");
  CHECK(eth0.kind == "veth");
  CHECK(eth0.mtu == 1450);
  REQUIRE(r["interfaces"].size() == 2);
  CHECK(r["interfaces"][1] == json{{"name", "eth0"}, {"mac", eth0.mac->to_string()}, {"sandbox", p.path}});
  const std::string host_end = r["interfaces"][0]["name"];
  auto end = host.link(host_end);
  CHECK(end.master == host.link("br0").index);
  CHECK(end.parent == eth0.index);
  CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
  CHECK_FALSE(host.has_link(host_end));
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(KindFixture, "cni: host-local's addresses and routes are on the device and in the result, and go back on DEL") {
  auto p = pod("p1");
  const std::string before = picture();
  json conf;
  int device = 0;  // the pod's interface in the result
  SUBCASE("a macvlan") { conf = kind_config({{"master", "nic2"}, {"ipam", host_local()}}); }
  SUBCASE("a veth on a bridge") {
    conf = kind_config({{"bridge", "br0"}, {"ipam", host_local()}});
    device = 1;
  }
  SUBCASE("a moved device") { conf = kind_config({{"device", "nic0"}, {"ipam", host_local()}}); }
  CAPTURE(conf);
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  REQUIRE_MESSAGE(add.status == 0, add.out, add.err);
  json r = add.json();
  auto eth0 = p.space.link("eth0");
  CHECK(p.space.addresses(eth0.index, AF_INET) == std::vector<std::string>{"10.77.0.2/24"});
  CHECK(routed(p.space, eth0.index, "0.0.0.0/0", "10.77.0.1"));
  CHECK(routed(p.space, eth0.index, "10.78.0.0/16", "10.77.0.254"));
  CHECK(r["ips"] == json::array({{{"interface", device}, {"address", "10.77.0.2/24"}, {"gateway", "10.77.0.1"}}}));
  CHECK(r["routes"] == json::parse(R"([{"dst": "0.0.0.0/0", "gw": "10.77.0.1"}, {"dst": "10.78.0.0/16", "gw": "10.77.0.254"}])"));
  CHECK(leased() == std::vector<std::string>{"10.77.0.2"});
  CHECK(run("CHECK", "c1", p.path, "eth0", conf).status == 0);

  auto del = run("DEL", "c1", p.path, "eth0", conf);
  CHECK_MESSAGE(del.status == 0, del.out, del.err);
  CHECK(leased().empty());
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK(settled_picture(before) == before);
  // A second DEL, with nothing left of ours or host-local's, succeeds too.
  CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
}

TEST_CASE_FIXTURE(KindFixture, "cni: an ADD that fails after host-local's ADD gives its address back") {
  auto p = pod("p1");
  const std::string before = picture();
  json ipam = host_local();
  // A gateway outside every prefix of the device: the kernel refuses the route, after
  // the address is leased and on the device.
  ipam["routes"] = {{{"dst", "10.78.0.0/16"}, {"gw", "10.99.0.1"}}};
  const json conf = kind_config({{"bridge", "br0"}, {"ipam", ipam}});
  auto add = run("ADD", "c1", p.path, "eth0", conf);
  INFO("stdout: " << add.out << " stderr: " << add.err);
  CHECK(add.status == 1);
  CHECK(add.json()["code"] == 999);
  CHECK(add.json()["msg"].get<std::string>().starts_with("stdin:/ipam: "));
  CHECK(leased().empty());
  CHECK_FALSE(p.space.has_link("eth0"));
  CHECK_FALSE(attached("c1", "eth0"));
  CHECK(settled_picture(before) == before);
}

TEST_CASE_FIXTURE(KindFixture, "cni: a host device that cannot be had is code 7 at its key, and changes nothing") {
  auto& host = sb.host();
  auto p = pod("p1");
  auto q = pod("p2");
  // nic0 is lent to another pod already.
  REQUIRE(run("ADD", "c0", q.path, "eth0", kind_config({{"device", "nic0"}})).status == 0);
  const std::string before = picture();
  struct Case {
    const char* what;
    json conf;
    int code;
    std::string msg;  // its start
  };
  const Case cases[] = {
      {"no such device", kind_config({{"device", "nic9"}}), 7, "stdin:/device: host device \"nic9\" does not exist"},
      {"a device lent already", kind_config({{"device", "nic0"}}), 7, "stdin:/device: host device \"nic0\" is not on the host"},
      {"no device with the MAC", kind_config({{"hwaddr", "02:00:00:00:99:99"}}), 7,
       "stdin:/hwaddr: no host device has MAC address 02:00:00:00:99:99"},
      {"a bridge moved", kind_config({{"device", "br0"}}), 7, "stdin:/device: host device \"br0\" (a bridge) cannot leave"},
      {"no such master", kind_config({{"master", "nic9"}}), 7, "stdin:/master: host device \"nic9\" does not exist"},
      {"a bridge that is none", kind_config({{"bridge", "nic2"}}), 7, "stdin:/bridge: host device \"nic2\" is not a bridge"},
      {"no such IPAM plugin", kind_config({{"bridge", "br0"}, {"ipam", {{"type", "no-such-ipam"}}}}), 4,
       "CNI_PATH: no IPAM plugin no-such-ipam in \"/opt/cni/bin:/usr/lib/cni\""},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    auto r = run("ADD", "c1", p.path, "eth0", c.conf);
    INFO("stdout: " << r.out << " stderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.json()["code"] == c.code);
    std::string msg = r.json().value("msg", "");
    CHECK(msg.starts_with(c.msg));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(r.err.empty());
    CHECK(picture() == before);
    CHECK_FALSE(attached("c1", "eth0"));
    CHECK_FALSE(p.space.has_link("eth0"));
  }
  CHECK(run("DEL", "c0", q.path, "eth0", kind_config({{"device", "nic0"}})).status == 0);
  CHECK(host.has_link("nic0"));
}

TEST_CASE_FIXTURE(KindFixture, "cni: a moved device's ADD with host-local that fails at any step leaves the host and the leases as they were") {
  require_fault_injection();
  auto p = pod("p1");
  const std::string before = picture();
  const json conf = kind_config({{"device", "nic0"}, {"ipam", host_local()}});
  int steps = each_step([&](int n) {
    CniRun r;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      r = run("ADD", "c1", p.path, "eth0", conf);
    }
    INFO("step " << n << " stdout: " << r.out << " stderr: " << r.err);
    if (r.status == 0) {
      CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
      CHECK(leased().empty());
      CHECK(settled_picture(before) == before);
      return false;
    }
    CHECK(r.json()["code"] == 999);
    all_given_back(p, before);
    return true;
  });
  // The move, the address, up, the two routes.
  CHECK(steps >= 4);
}

TEST_CASE_FIXTURE(KindFixture, "cni: a moved device's ADD with host-local killed at any step is given back by the DEL that follows") {
  require_fault_injection();
  auto p = pod("p1");
  const std::string before = picture();
  const json conf = kind_config({{"device", "nic0"}, {"ipam", host_local()}});
  RuntimeCli plugin{sb, tmp.file("unused"), MR_CNI_PLUGIN};
  ScopedEnv command("CNI_COMMAND", "ADD"), id("CNI_CONTAINERID", "c1"), netns("CNI_NETNS", p.path),
      ifname("CNI_IFNAME", "eth0"), path("CNI_PATH", "/usr/lib/cni");
  int steps = each_step([&](int n) {
    auto add = pause_at_step(plugin, {}, n, "MR_PAUSE_AT_STEP", conf.dump());
    INFO("step " << n);
    if (!add.paused) {
      CHECK(add.status == 0);
      CHECK(run("DEL", "c1", p.path, "eth0", conf).status == 0);
      CHECK(settled_picture(before) == before);
      return false;
    }
    // Killed with an address leased (host-local hands them out in turn) and the device
    // moved, or on its way.
    CHECK(leased().size() == 1);
    kill_paused(add);
    auto del = run("DEL", "c1", p.path, "eth0", conf);
    CHECK_MESSAGE(del.status == 0, del.out, del.err);
    all_given_back(p, before);
    return true;
  });
  CHECK(steps >= 4);
}
