// `mini-runc net export` through the CLI: a container's live network, devices of its spec
// and an attached one alike, written as a network spec that validates and from which
// `create --network FILE` builds a container with the same network.
#include <doctest/doctest.h>

#include <fstream>

#include "integration/net_cli_host.hpp"
#include "oci/network_spec.hpp"
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
  ]
})";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

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
  auto check = mr::oci::check_network_spec(exported.out, "exported.json");
  for (const auto& p : check.problems) FAIL_CHECK(p.message());
  REQUIRE(check.spec);
  CHECK(check.spec->net.devices.size() == 4);
  CHECK(check.spec->net.routes.size() == 4);  // the spec's; none of the kernel's
  std::string exported_file = tmp.file("exported.json");
  write_file(exported_file, exported.out);

  ok({"delete", "--force", "first"});
  wait_gone(first_pid);
  CHECK(settled_host_state(sb.host(), before) == before);

  ok({"create", "-b", b.dir, "--network", exported_file, "second"});
  json second_view = show("second");
  CHECK(comparable_view(second_view) == comparable_view(first_view));
  // The copy exports to the same spec: the export is a fixed point.
  CHECK(ok({"net", "export", "second"}).out == exported.out);
  ok({"delete", "--force", "second"});
  CHECK(settled_host_state(sb.host(), before) == before);
}
