// What a configuration asks the attachment to be (cni/protocol_kind.hpp): a managed
// network, or a host device moved in, a macvlan of one or a veth on a host bridge, with a
// delegated IPAM plugin; exactly one, and each wrong key its code and one line at its
// pointer.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "cni/protocol.hpp"

using namespace mr;
using namespace mr::cni;
using nlohmann::json;

namespace {

json base_config() { return {{"cniVersion", "1.0.0"}, {"name", "lan"}, {"type", "mini-runc-cni"}}; }

json with(json doc, const json& more) {
  doc.update(more);
  return doc;
}

NetConf read(const json& doc) {
  auto c = read_config(doc.dump(), Command::add);
  REQUIRE_MESSAGE(c.has_value(), c.error().msg);
  return *c;
}

}  // namespace

TEST_CASE("cni kind: a host device by name or by MAC, a macvlan, a veth on a bridge") {
  auto moved = read(with(base_config(), {{"device", "eth1"}}));
  REQUIRE(moved.kind);
  CHECK(std::get<HostDeviceKind>(*moved.kind).device == "eth1");
  CHECK(moved.network.empty());
  CHECK_FALSE(moved.ipam);

  auto by_mac = read(with(base_config(), {{"hwaddr", "02:00:00:00:00:0A"}}));
  const auto& h = std::get<HostDeviceKind>(*by_mac.kind);
  CHECK(h.device.empty());
  CHECK(h.hwaddr == netns::MacAddress::parse("02:00:00:00:00:0a"));

  const json ipam = {{"type", "host-local"}, {"ranges", {{{{"subnet", "10.77.0.0/24"}}}}}};
  auto macvlan = read(with(base_config(), {{"master", "nic2"}, {"mode", "private"}, {"mtu", 1400}, {"ipam", ipam}}));
  const auto& m = std::get<MacvlanKind>(*macvlan.kind);
  CHECK(m.master == "nic2");
  CHECK(m.mode == netns::MacvlanMode::private_);
  CHECK(m.mtu == 1400u);
  CHECK(macvlan.ipam == ipam);
  // The delegated plugin gets the configuration as the runtime wrote it.
  const std::string text = with(base_config(), {{"master", "nic2"}}).dump(2);
  CHECK(read_config(text, Command::add)->text == text);
  CHECK(std::get<MacvlanKind>(*read(with(base_config(), {{"master", "nic2"}})).kind).mode == netns::MacvlanMode::bridge);

  auto veth = read(with(base_config(), {{"bridge", "br0"}, {"ipam", ipam}}));
  CHECK(std::get<BridgeKind>(*veth.kind).bridge == "br0");
  CHECK_FALSE(std::get<BridgeKind>(*veth.kind).mtu);
}

TEST_CASE("cni kind: anything but exactly one kind with its own keys is its code at its pointer") {
  struct Case {
    const char* what;
    json config;
    Code code;
    const char* msg;
  };
  const json ipam = {{"type", "host-local"}};
  const Case cases[] = {
      {"none", base_config(), Code::invalid_config,
       "stdin:/network: missing; expected a network's name, or a host device by device, hwaddr, master or bridge"},
      {"network and device", with(base_config(), {{"network", "web"}, {"device", "eth1"}}), Code::invalid_config,
       "stdin:/device: expected one of network, device, hwaddr, master and bridge (network is given too)"},
      {"device and hwaddr", with(base_config(), {{"device", "eth1"}, {"hwaddr", "02:00:00:00:00:01"}}), Code::invalid_config,
       "stdin:/hwaddr: expected one of network, device, hwaddr, master and bridge (device is given too)"},
      {"master and bridge", with(base_config(), {{"master", "nic2"}, {"bridge", "br0"}}), Code::invalid_config,
       "stdin:/bridge: expected one of network, device, hwaddr, master and bridge (master is given too)"},
      {"mode with a bridge", with(base_config(), {{"bridge", "br0"}, {"mode", "bridge"}}), Code::invalid_config,
       "stdin:/mode: mode goes with master, not with bridge"},
      {"mtu with a moved device", with(base_config(), {{"device", "eth1"}, {"mtu", 1400}}), Code::invalid_config,
       "stdin:/mtu: mtu goes with master or bridge, not with device"},
      {"ipam with a network", with(base_config(), {{"network", "web"}, {"ipam", ipam}}), Code::invalid_config,
       "stdin:/ipam: ipam goes with device, hwaddr, master or bridge, not with network"},
      {"device a number", with(base_config(), {{"device", 1}}), Code::decode_failure, "stdin:/device: expected a string (got 1)"},
      {"device too long", with(base_config(), {{"device", "a-name-of-16-chr"}}), Code::invalid_config,
       "stdin:/device: expected a host device's name: interface name \"a-name-of-16-chr\" is longer than 15 bytes"},
      {"bad hwaddr", with(base_config(), {{"hwaddr", "02:00"}}), Code::invalid_config,
       "stdin:/hwaddr: expected a MAC address such as 02:00:00:00:00:01 (got \"02:00\")"},
      {"bad mode", with(base_config(), {{"master", "nic2"}, {"mode", "l2"}}), Code::invalid_config,
       "stdin:/mode: expected bridge, private, vepa, passthru or source (got \"l2\")"},
      {"mtu too small", with(base_config(), {{"master", "nic2"}, {"mtu", 67}}), Code::invalid_config,
       "stdin:/mtu: expected a number from 68 to 65535 (got 67)"},
      {"mtu a string", with(base_config(), {{"bridge", "br0"}, {"mtu", "1400"}}), Code::decode_failure,
       "stdin:/mtu: expected a number (got \"1400\")"},
      {"ipam a list", with(base_config(), {{"bridge", "br0"}, {"ipam", json::array()}}), Code::decode_failure,
       "stdin:/ipam: expected an object (got an array)"},
      {"ipam without type", with(base_config(), {{"bridge", "br0"}, {"ipam", json::object()}}), Code::invalid_config,
       "stdin:/ipam/type: missing; expected an IPAM plugin's file name"},
      {"ipam type a path", with(base_config(), {{"bridge", "br0"}, {"ipam", {{"type", "../host-local"}}}}),
       Code::invalid_config, "stdin:/ipam/type: expected an IPAM plugin's file name (got \"../host-local\")"},
  };
  for (const auto& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    auto r = read_config(c.config.dump(), Command::add);
    REQUIRE_FALSE(r.has_value());
    CHECK(static_cast<int>(r.error().code) == static_cast<int>(c.code));
    CHECK(r.error().msg == c.msg);
  }
}
