#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "netns/address.hpp"
#include "netns/route.hpp"
#include "network/bundle_check.hpp"
#include "oci/default_config.hpp"
#include "network/host_check.hpp"
#include "netspec/network_spec.hpp"
#include "support/sandbox.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::oci;
using namespace mr::test;
using nlohmann::json;

namespace {

// Everything the kernel holds for the namespace, one line per link, address and route,
// sorted: two equal pictures mean nothing was changed.
std::vector<std::string> picture(Space& space) {
  auto snap = space.snapshot();
  std::vector<std::string> out;
  for (const auto& l : snap.links)
    out.push_back("link " + std::to_string(l.index) + " " + l.name + " " + l.kind + " flags=" + std::to_string(l.flags) +
                  " mtu=" + std::to_string(l.mtu) + " master=" + std::to_string(l.master) +
                  " mac=" + (l.mac ? l.mac->to_string() : ""));
  for (const auto& a : snap.addresses)
    out.push_back("addr " + std::to_string(a.index) + " " + a.prefix.to_string() + " flags=" + std::to_string(a.flags));
  for (const auto& r : snap.routes)
    out.push_back("route " + r.destination.to_string() + " via " + (r.gateway ? r.gateway->to_string() : "-") +
                  " oif=" + std::to_string(r.oif) + " metric=" + std::to_string(r.metric));
  std::sort(out.begin(), out.end());
  return out;
}

NetConfig spec_net(const json& doc) {
  auto spec = netspec::parse_network_spec(doc.dump(), "net.json");
  REQUIRE_MESSAGE(spec, spec.error().message());
  return spec->net;
}

// A host with a NIC stand-in (nic0, addressed, with a route), a bridge and a loopback.
void furnish(Sandbox& sb) {
  auto nic = sb.veth("nic0", "wire0");
  sb.bridge("br0");
  MUST(add_address(sb.host().nl, nic.index, *IpPrefix::parse("192.0.2.2/24")));
  MUST(add_route(sb.host().nl, default_route(*IpAddress::parse("192.0.2.1"))));
}

}  // namespace

TEST_CASE("a missing host device or bridge is rejected and the host is unchanged") {
  Sandbox sb;
  furnish(sb);
  auto before = picture(sb.host());
  REQUIRE(std::count_if(before.begin(), before.end(), [](auto& l) { return l.starts_with("route 0.0.0.0/0"); }) == 1);

  auto net = spec_net(json::parse(R"({"version": 1, "devices": [
      {"name": "eth0", "move": "nic9"},
      {"name": "eth1", "veth": {"bridge": "br9"}},
      {"name": "eth2", "macvlan": {"parent": "nic8"}},
      {"name": "eth3", "veth": {"hostName": "wire0"}},
      {"name": "eth4", "veth": {"bridge": "nic0"}},
      {"name": "eth5", "move": "lo"}]})"));
  auto problems = network::check_host(sb.host().nl, net);
  std::vector<std::string> got;
  for (const auto& e : problems) got.push_back(e.message());
  CHECK(got == std::vector<std::string>{
                   "net.json:/devices/0/move: host device \"nic9\" does not exist",
                   "net.json:/devices/1/veth/bridge: host bridge \"br9\" does not exist",
                   "net.json:/devices/2/macvlan/parent: host device \"nic8\" does not exist",
                   "net.json:/devices/3/veth/hostName: host device \"wire0\" already exists",
                   "net.json:/devices/4/veth/bridge: host device \"nic0\" is not a bridge (it is a veth)",
                   "net.json:/devices/5/move: host device \"lo\" is the host's loopback",
               });
  CHECK(picture(sb.host()) == before);
}

TEST_CASE("devices and bridges that exist pass the host check") {
  Sandbox sb;
  furnish(sb);
  auto before = picture(sb.host());
  auto net = spec_net(json::parse(R"({"version": 1, "devices": [
      {"name": "eth0", "move": "nic0", "keepAddresses": true},
      {"name": "eth1", "veth": {"bridge": "br0", "hostName": "mrfree0"}},
      {"name": "eth2", "macvlan": {"parent": "wire0"}}]})"));
  auto problems = network::check_host(sb.host().nl, net);
  CHECK(problems.empty());
  CHECK(picture(sb.host()) == before);
}

TEST_CASE("validate_bundle with a host socket reports a missing device and changes nothing") {
  Sandbox sb;
  furnish(sb);
  auto before = picture(sb.host());
  std::string dir = (std::filesystem::temp_directory_path() / "mr-oci-bundle-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()));
  std::ofstream(dir + "/config.json") << default_config_json();
  std::ofstream(dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic7", "addresses": ["192.0.2.10/24"]}]})";
  auto report = network::validate_bundle(dir, std::nullopt, &sb.host().nl);
  std::filesystem::remove_all(dir);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].message() == dir + "/network.json:/devices/0/move: host device \"nic7\" does not exist");
  CHECK(picture(sb.host()) == before);
}
