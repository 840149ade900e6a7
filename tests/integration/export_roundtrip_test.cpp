// net export: a container's live network written as a network spec, from which a new
// container gets the same kernel state, but for the MACs of its veths and macvlans: the
// kernel picks those, and a copy of the first container's would clash with it.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "apply_full_config.hpp"
#include "netns/config_check.hpp"
#include "netns/container_network.hpp"
#include "netns/inspect.hpp"
#include "netspec/network_export.hpp"
#include "netspec/network_spec.hpp"
#include "netspec/network_view_json.hpp"
#include "support/comparable_view.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;
using json = nlohmann::ordered_json;

namespace {

// The show JSON of `where`, less what may differ between two containers of one spec.
json comparable_show(const ContainerNetworkDir& where) {
  return comparable_view(mr::netspec::network_view_json(MUST(show_container_network(where))));
}

// The MAC of link `name` in a show JSON.
std::string mac_of(const json& view, const std::string& name) {
  for (const auto& l : view["links"])
    if (l["name"] == name) return l.value("mac", "");
  FAIL("no link " << name);
  return "";
}

// `view` without the MACs of the veth and the macvlan: a new container gets its own.
json without_own_macs(json view) {
  for (auto& l : view["links"])
    if (l["name"] == "veth0" || l["name"] == "mv0") l.erase("mac");
  return view;
}

std::string problems_text(const mr::netspec::SpecCheck& check) {
  std::string out;
  for (const auto& p : check.problems) out += p.message() + "\n";
  return out;
}

}  // namespace

TEST_CASE("an exported spec validates and builds a container with the same links, addresses and routes") {
  FullHost h;  // nic0 and nic1 to move, nic2 to parent a macvlan, br0 for a veth
  auto& host = h.sb.host();
  std::string host_before = host_state(host);
  auto in_host = MUST(enter(host.ns));
  TempDir first_dir, second_dir;
  ContainerNetworkDir first{first_dir.path()}, second{second_dir.path()};

  // full_config(): eth0 (nic0 moved, MTU, MAC, both families), eth1 (nic1 moved keeping its
  // addresses), mv0 (a macvlan of nic2), veth0 (on br0, derived host name, host address),
  // a default route of each family, an on-link device route and an onlink gateway route.
  json first_show;
  mr::netspec::ExportedSpec exported;
  {
    auto ctr = h.sb.child();
    MUST(setup_container_network(full_config(), ctr.ns, first, {.container_id = "ctr-1"}));
    first_show = comparable_show(first);
    exported = mr::netspec::export_network_spec(MUST(show_container_network(first)));
  }
  INFO("exported spec:\n" << exported.json);
  CHECK(exported.left_out.empty());
  MUST(teardown_container_network(first));
  CHECK(settled_host_state(host, host_before) == host_before);

  auto check = mr::netspec::check_network_spec(exported.json, "exported.json");
  INFO("problems:\n" << problems_text(check));
  REQUIRE(check.spec);
  const auto& net = check.spec->net;
  REQUIRE(net.devices.size() == 4);
  // Devices are described by where they came from on the host.
  auto by_name = [&](const std::string& name) {
    return *std::find_if(net.devices.begin(), net.devices.end(), [&](auto& d) { return d.name == name; });
  };
  REQUIRE(std::holds_alternative<MoveDevice>(by_name("eth0").kind));
  CHECK(std::get<MoveDevice>(by_name("eth0").kind).host_name == "nic0");
  // A moved device's MAC is its own, and goes with it; the veth's and the macvlan's are
  // not carried (the macvlan's was set by the config, which the kernel cannot tell).
  CHECK(by_name("eth0").mac == mac("02:00:00:00:aa:01"));
  CHECK_FALSE(by_name("veth0").mac);
  CHECK_FALSE(by_name("mv0").mac);
  CHECK(std::get<MoveDevice>(by_name("eth1").kind).host_name == "nic1");
  CHECK(std::get<MacvlanDevice>(by_name("mv0").kind).parent == "nic2");
  auto veth = std::get<VethDevice>(by_name("veth0").kind);
  CHECK(veth.host_name == derived_veth_name("ctr-1", 3));
  CHECK(veth.bridge == "br0");
  CHECK(veth.host_addresses.size() == 1);
  CHECK(net.routes.size() == 4);  // the user's four; none of the kernel's

  {
    auto ctr = h.sb.child();
    MUST(setup_container_network(net, ctr.ns, second, {.container_id = "ctr-2"}));
    auto second_show = comparable_show(second);
    CHECK(without_own_macs(second_show) == without_own_macs(first_show));
    CHECK(mac_of(second_show, "veth0") != mac_of(first_show, "veth0"));
    CHECK(mac_of(second_show, "mv0") != mac_of(first_show, "mv0"));
    CHECK(mac_of(second_show, "eth0") == "02:00:00:00:aa:01");
    // Exporting the copy gives the same spec: the export is a fixed point.
    CHECK(mr::netspec::export_network_spec(MUST(show_container_network(second))).json == exported.json);
  }
  MUST(teardown_container_network(second));
  CHECK(settled_host_state(host, host_before) == host_before);
}
