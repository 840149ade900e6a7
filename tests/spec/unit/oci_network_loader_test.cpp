#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "network/bundle_check.hpp"
#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "network/host_check.hpp"
#include "oci/json_input.hpp"
#include "netspec/network_examples.hpp"
#include "netspec/network_loader.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using namespace mr;
using namespace mr::netns;
using mr::test::has_problem_at;
using mr::test::messages;
using mr::test::TempDir;
using nlohmann::json;

namespace {

Config config_with(const json& edit = json::object()) {
  json doc = default_config();
  doc.merge_patch(edit);
  Diagnostics diag;
  auto c = parse_config(doc.dump(), "config.json", diag);
  REQUIRE_MESSAGE(c, c.error().message());
  return *c;
}

const std::string kVethSpec = netspec::example_network_spec(netspec::ExampleKind::veth_bridge);
const std::string kMoveSpec = netspec::example_network_spec(netspec::ExampleKind::move);

}  // namespace

TEST_CASE("every example in examples/network validates") {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MR_EXAMPLES_DIR "/network")) {
    if (entry.path().extension() != ".json") continue;
    ++seen;
    auto text = read_input_file(entry.path().string());
    REQUIRE(text);
    auto c = netspec::check_network_spec(*text, entry.path().filename().string());
    INFO(entry.path().string(), "\n", messages(c));
    CHECK(c.spec);
  }
  CHECK(seen >= 4);
}

TEST_CASE("each built-in example is the file of the same name in examples/network") {
  for (auto kind : netspec::example_kinds()) {
    std::string name(netspec::example_kind_name(kind));
    auto file = read_input_file(MR_EXAMPLES_DIR "/network/" + name + ".json");
    REQUIRE_MESSAGE(file, name);
    CHECK(json::parse(*file) == json::parse(netspec::example_network_spec(kind)));
    CHECK(netspec::parse_example_kind(name) == kind);
  }
  auto bad = netspec::parse_example_kind("vlan");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() == "unknown example \"vlan\" (expected one of: move, expose, veth-bridge)");
}

TEST_CASE("without any spec a bundle gets only its loopback") {
  TempDir bundle;
  Diagnostics diag;
  auto spec = netspec::load_network_spec(bundle.path(), config_with(), std::nullopt, diag);
  REQUIRE_MESSAGE(spec, spec.error().message());
  CHECK(spec->source.empty());
  CHECK(spec->net.loopback_up);
  CHECK(spec->net.devices.empty());
}

TEST_CASE("the --network option wins over network.json, which wins over the annotation") {
  TempDir bundle;
  std::string option = bundle.write("option.json", kMoveSpec);
  std::string beside = bundle.write("network.json", kVethSpec);
  bundle.write("annotated.json", netspec::example_network_spec(netspec::ExampleKind::expose));
  Config config = config_with({{"annotations", {{"org.mini-runc.network", "annotated.json"}}}});

  Diagnostics diag;
  auto spec = netspec::load_network_spec(bundle.path(), config, option, diag);
  REQUIRE(spec);
  CHECK(spec->source == option);
  CHECK(std::holds_alternative<MoveDevice>(spec->net.devices.at(0).kind));
  CHECK(diag.warnings.size() == 2);  // network.json and the annotation are ignored, not silently

  Diagnostics diag2;
  spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag2);
  REQUIRE(spec);
  CHECK(spec->source == beside);
  REQUIRE(diag2.warnings.size() == 1);
  CHECK(diag2.warnings[0].message() == beside + ": network spec used instead of annotation org.mini-runc.network");

  std::filesystem::remove(beside);
  Diagnostics diag3;
  spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag3);
  REQUIRE(spec);
  CHECK(spec->source == bundle.path() + "/annotated.json");
  CHECK(std::holds_alternative<MacvlanDevice>(spec->net.devices.at(0).kind));
}

TEST_CASE("the annotation may hold the spec inline, errors then name the annotation") {
  TempDir bundle;
  json inline_spec = json::parse(kVethSpec);
  Config config = config_with({{"annotations", {{"org.mini-runc.network", inline_spec.dump()}}}});
  Diagnostics diag;
  auto spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag);
  REQUIRE_MESSAGE(spec, spec.error().message());
  CHECK(std::get<VethDevice>(spec->net.devices.at(0).kind).bridge == "mr0");

  inline_spec["devices"][0]["mtu"] = 20;
  config = config_with({{"annotations", {{"org.mini-runc.network", inline_spec.dump()}}}});
  spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag);
  REQUIRE_FALSE(spec);
  CHECK(spec.error().message() == bundle.path() +
                                      "/config.json annotation org.mini-runc.network:/devices/0/mtu: expected an MTU "
                                      "from 68 to 65535 (got 20)");
}

TEST_CASE("an annotation naming a missing file is an error at the annotation") {
  TempDir bundle;
  Config config = config_with({{"annotations", {{"org.mini-runc.network", "nope.json"}}}});
  Diagnostics diag;
  auto spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag);
  REQUIRE_FALSE(spec);
  CHECK(spec.error().file == bundle.path() + "/config.json");
  CHECK(spec.error().pointer == "/annotations/org.mini-runc.network");
}

TEST_CASE("linux.netDevices become moves that keep addresses and stay at deletion") {
  TempDir bundle;
  bundle.write("network.json", kVethSpec);
  Config config = config_with({{"linux", {{"netDevices", {{"enp9s0", {{"name", "net%d"}}}, {"enp8s0", json::object()}}}}}});
  Diagnostics diag;
  auto spec = netspec::load_network_spec(bundle.path(), config, std::nullopt, diag);
  REQUIRE_MESSAGE(spec, spec.error().message());
  REQUIRE(spec->net.devices.size() == 3);
  const auto& kept = spec->net.devices[1];
  CHECK(kept.name == "enp8s0");  // no name: keeps the host's
  auto& move = std::get<MoveDevice>(kept.kind);
  CHECK(move.keep_addresses == KeepAddresses::permanent_global);
  CHECK_FALSE(move.return_on_teardown);
  CHECK(kept.up);
  CHECK(kept.origin == bundle.path() + "/config.json#/linux/netDevices/enp8s0");
  CHECK(spec->net.devices[2].name == "net%d");
}

TEST_CASE("a config using both netDevices and a spec must not contradict itself") {
  TempDir bundle;
  bundle.write("network.json", kMoveSpec);  // moves enp3s0 as eth0
  Diagnostics diag;
  auto same_host = netspec::check_bundle_network(bundle.path(), config_with({{"linux", {{"netDevices", {{"enp3s0", {{"name", "eth5"}}}}}}}}),
                                        std::nullopt, diag);
  REQUIRE(same_host.problems.size() == 1);
  CHECK(same_host.problems[0].message() == bundle.path() + "/config.json:/linux/netDevices/enp3s0: host device \"enp3s0\" "
                                                           "is already moved into the container at " +
                                                           bundle.path() + "/network.json:/devices/0/move");
  auto same_name = netspec::check_bundle_network(bundle.path(), config_with({{"linux", {{"netDevices", {{"enp7s0", {{"name", "eth0"}}}}}}}}),
                                        std::nullopt, diag);
  REQUIRE(same_name.problems.size() == 1);
  CHECK(same_name.problems[0].pointer == "/linux/netDevices/enp7s0");
  CHECK(same_name.problems[0].context.starts_with("duplicate device name \"eth0\""));
}

TEST_CASE("a spec sysctl contradicting linux.sysctl is an error, agreeing is fine") {
  TempDir bundle;
  std::string file = bundle.write("network.json", kVethSpec);
  Diagnostics diag;
  auto agree = netspec::check_bundle_network(bundle.path(), config_with({{"linux", {{"sysctl", {{"net.ipv4.ip_unprivileged_port_start", "0"}}}}}}),
                                    std::nullopt, diag);
  CHECK(agree.spec);
  auto differ = netspec::check_bundle_network(bundle.path(), config_with({{"linux", {{"sysctl", {{"net.ipv4.ip_unprivileged_port_start", "1024"}}}}}}),
                                     std::nullopt, diag);
  REQUIRE(differ.problems.size() == 1);
  CHECK(differ.problems[0].message() == file + ":/sysctl/net.ipv4.ip_unprivileged_port_start: contradicts linux.sysctl in " +
                                            bundle.path() + "/config.json (\"0\" here, \"1024\" there)");
}

TEST_CASE("a network spec without a network namespace is refused") {
  TempDir bundle;
  bundle.write("network.json", kVethSpec);
  json ns = json::array({{{"type", "mount"}}, {{"type", "uts"}}});
  Diagnostics diag;
  auto c = netspec::check_bundle_network(bundle.path(), config_with({{"linux", {{"namespaces", ns}}}}), std::nullopt, diag);
  CHECK(has_problem_at(c, "/linux/namespaces"));
}

TEST_CASE("validate_bundle collects every problem of config.json and the network spec") {
  TempDir bundle;
  json config = default_config();
  config["process"]["cwd"] = "relative";
  config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"defaultErrnoRet", 1}};
  bundle.write("config.json", config.dump());
  json spec = json::parse(kVethSpec);
  spec["devices"][0]["addresses"] = {"10.88.0.5/33"};
  spec["routes"][0]["via"] = "bogus";
  bundle.write("network.json", spec.dump());
  auto report = network::validate_bundle(bundle.path(), std::nullopt);
  INFO(messages(report));
  CHECK(report.problems.size() == 4);
  CHECK(has_problem_at(report, "/process/cwd"));
  CHECK(has_problem_at(report, "/linux/seccomp/defaultErrnoRet"));
  CHECK(has_problem_at(report, "/devices/0/addresses/0"));
  CHECK(has_problem_at(report, "/routes/0/via"));
}

TEST_CASE("a valid bundle validates with no problems") {
  TempDir bundle;
  bundle.write("config.json", default_config_json());
  bundle.write("network.json", kVethSpec);
  auto report = network::validate_bundle(bundle.path(), std::nullopt);
  INFO(messages(report));
  CHECK(report.problems.empty());
}

TEST_CASE("derived veth host names are predictable, short and per device") {
  std::string a = network::derived_veth_host_name("web-1", 0);
  CHECK(a == network::derived_veth_host_name("web-1", 0));
  CHECK(a != network::derived_veth_host_name("web-2", 0));
  CHECK(a != network::derived_veth_host_name("web-1", 1));
  CHECK(a.size() <= 15);
  CHECK(a.starts_with("mr"));
  CHECK(check_ifname(network::derived_veth_host_name(std::string(500, 'x'), 999)));
}
