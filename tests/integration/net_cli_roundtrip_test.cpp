// `mini-runc net export` through the CLI: a container's live network, devices of its spec
// and an attached one alike, and the DNS and hosts entries it was given, written as a
// network spec that validates and from which `create --network FILE` builds a container
// with the same network. A veth's or macvlan's MAC is not copied: the copy gets its own.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "integration/net_cli_host.hpp"
#include "netspec/network_spec.hpp"
#include "support/comparable_view.hpp"

using namespace mr::test;
using json = nlohmann::ordered_json;

namespace {

// A moved device, a macvlan and a veth on a bridge (its host end named from the id),
// with routes through each: a default of each family, a gateway route and an on-link one.
const char* const kSpec = R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["10.0.0.1/24", "fd00::1/64"], "mtu": 1450},
    {"name": "mv0", "macvlan": {"parent": "nic1", "mode": "vepa"}, "addresses": ["10.3.0.2/24"],
     "mac": "02:00:00:00:aa:03"},
    {"name": "veth0", "veth": {"bridge": "br0", "hostAddresses": ["10.4.0.1/24"]},
     "addresses": ["10.4.0.2/24", "fd00:4::2/64"]}
  ],
  "routes": [
    {"to": "default", "via": "10.0.0.2"},
    {"to": "::/0", "via": "fd00:4::1", "device": "veth0"},
    {"to": "10.9.0.0/16", "via": "10.4.0.1", "metric": 20},
    {"to": "172.16.0.0/12", "device": "mv0"}
  ],
  "dns": {"nameservers": ["10.4.0.1", "fd00:4::1"], "search": ["example.com"], "options": ["ndots:2"]},
  "hosts": [{"address": "10.4.0.1", "names": ["gateway", "gw"]}]
})";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// `view` without the MACs of the links named: those the kernel picks at random.
json without_macs(json view, const std::vector<std::string>& names) {
  for (auto& l : view["links"])
    if (std::find(names.begin(), names.end(), l["name"].get<std::string>()) != names.end()) l.erase("mac");
  return view;
}

}  // namespace

TEST_CASE_FIXTURE(NetCliHost, "net export of a container rebuilds it through create --network") {
  b.args(kWaitForTerm);
  b.write();
  std::string spec_file = tmp.file("spec.json");
  write_file(spec_file, kSpec);
  int first_pid = run_detached("first", {"--network", spec_file});
  // One more, attached after the start: exported like the spec's own.
  ok({"net", "attach", "first", "nic2", "--name", "uplink", "--address", "192.0.2.7/24"});
  json first_view = show("first");
  const json& veth0 = shown_link(first_view, "veth0");
  CHECK(veth0["host"]["origin"] == "veth");
  CHECK(veth0["host"]["bridge"] == "br0");
  CHECK(shown_link(first_view, "mv0")["host"]["parent"] == "nic1");
  CHECK(shown_link(first_view, "uplink")["host"]["name"] == "nic2");

  auto exported = ok({"net", "export", "first"});
  INFO("exported:\n" << exported.out);
  CHECK(exported.err.empty());  // nothing left out
  auto check = mr::netspec::check_network_spec(exported.out, "exported.json");
  for (const auto& p : check.problems) FAIL_CHECK(p.message());
  REQUIRE(check.spec);
  CHECK(check.spec->net.devices.size() == 4);
  CHECK(check.spec->net.routes.size() == 4);  // the spec's; none of the kernel's
  // What the container was given for DNS and hosts, as the spec said it.
  auto doc = json::parse(exported.out);
  CHECK(doc["dns"] == json::parse(kSpec)["dns"]);
  CHECK(doc["hosts"] == json::parse(kSpec)["hosts"]);
  // The MACs the kernel picked (and the one the spec set on mv0, which the kernel
  // cannot tell from a picked one) are not copied; the moved device's own MAC is.
  for (const auto& d : doc["devices"]) CHECK(d.contains("mac") == d.contains("move"));
  std::string first_resolv = read_all_file(runc.root() + "/first/resolv.conf");
  std::string first_hosts = read_all_file(runc.root() + "/first/hosts");
  std::string exported_file = tmp.file("exported.json");
  write_file(exported_file, exported.out);

  ok({"delete", "--force", "first"});
  wait_gone(first_pid);
  CHECK(settled_host_state(sb.host(), before) == before);

  ok({"create", "-b", b.dir, "--network", exported_file, "second"});
  json second_view = show("second");
  CHECK(comparable_view(without_macs(second_view, {"mv0", "veth0"})) ==
        comparable_view(without_macs(first_view, {"mv0", "veth0"})));
  CHECK(shown_link(second_view, "veth0")["mac"] != shown_link(first_view, "veth0")["mac"]);
  CHECK(shown_link(second_view, "mv0")["mac"] != "02:00:00:00:aa:03");
  CHECK(read_all_file(runc.root() + "/second/resolv.conf") == first_resolv);
  CHECK(read_all_file(runc.root() + "/second/hosts") == first_hosts);
  // The copy exports to the same spec: the export is a fixed point.
  CHECK(ok({"net", "export", "second"}).out == exported.out);
  ok({"delete", "--force", "second"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(NetCliHost, "a container made from an export beside the first gets its own MAC on the bridge") {
  b.args(kWaitForTerm);
  b.write();
  std::string spec_file = tmp.file("spec.json");
  write_file(spec_file, R"({"version": 1,
    "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.4.0.2/24"]}],
    "dns": {"nameservers": ["10.4.0.1"]}})");
  run_detached("first", {"--network", spec_file});
  auto exported = json::parse(ok({"net", "export", "first"}).out);
  INFO("exported: " << exported.dump());
  CHECK(exported.value("dns", json()) == json::parse(R"({"nameservers": ["10.4.0.1"]})"));
  // The first one still runs: its host end keeps its name, and the copy needs its own
  // (netspec/NETWORK-SPEC.md) and its own address.
  exported["devices"][0]["veth"].erase("hostName");
  exported["devices"][0]["addresses"] = json::array({"10.4.0.3/24"});
  std::string exported_file = tmp.file("exported.json");
  write_file(exported_file, exported.dump());
  run_detached("second", {"--network", exported_file});

  std::string first_mac = shown_link(show("first"), "eth0")["mac"];
  std::string second_mac = shown_link(show("second"), "eth0")["mac"];
  CHECK(first_mac != second_mac);
  // Read from the kernel: both ends are on br0, each container's eth0 with its own MAC.
  auto first_eth0 = pinned("first").link("eth0");
  auto second_eth0 = pinned("second").link("eth0");
  REQUIRE(first_eth0.mac);
  REQUIRE(second_eth0.mac);
  CHECK(first_eth0.mac->to_string() == first_mac);
  CHECK(*first_eth0.mac != *second_eth0.mac);
  CHECK(read_all_file(runc.root() + "/second/resolv.conf") == read_all_file(runc.root() + "/first/resolv.conf"));
  ok({"delete", "--force", "first"});
  ok({"delete", "--force", "second"});
  CHECK(settled_host_state(sb.host(), before) == before);
}
