// export_network_spec and the show JSON, on a hand-built view: what is kept, what is
// left out and why, and that the result passes the spec checker.
#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <nlohmann/json.hpp>

#include "netspec/container_etc.hpp"
#include "netspec/network_export.hpp"
#include "netspec/network_spec.hpp"
#include "netspec/network_view_json.hpp"
#include "oci_test_util.hpp"

using namespace mr::netspec;
using namespace mr;
using namespace mr::netns;
using nlohmann::json;
using mr::test::messages;

namespace {

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

AddressInfo address(int index, const char* text, uint32_t flags = IFA_F_PERMANENT) {
  return {.index = index, .prefix = prefix(text), .flags = flags};
}

ShownLink link(int index, const char* name, const char* kind, LinkOrigin origin = {}) {
  LinkInfo l{.index = index, .name = name, .kind = kind, .flags = IFF_UP, .mtu = 1500};
  l.mac = MacAddress{{0x02, 0, 0, 0, 0, static_cast<uint8_t>(index)}};
  return {l, {}, std::move(origin)};
}

Route route(const char* to, int oif, uint8_t protocol = RTPROT_BOOT) {
  Route r;
  r.destination = prefix(to);
  r.oif = oif;
  r.protocol = protocol;
  return r;
}

// lo; eth0 moved from nic0; veth0 with its host end on br0; mv0 a vepa macvlan of nic2;
// tun0 made inside the container. Addresses and routes of every kind the kernel makes
// beside the user's.
ContainerNetworkView sample() {
  ContainerNetworkView v;
  v.links.push_back(link(1, "lo", ""));
  v.links.back().addresses = {address(1, "127.0.0.1/8"), address(1, "::1/128")};
  v.links.push_back(link(7, "eth0", "veth", {.source = LinkSource::moved, .host_name = "nic0"}));
  v.links.back().link.mtu = 1450;
  v.links.back().addresses = {address(7, "10.1.0.2/24"), address(7, "fd00:1::2/64"),
                              address(7, "fe80::1/64"),                 // link-local: the kernel's
                              address(7, "2001:db8::5/64", 0)};         // SLAAC: not permanent
  v.links.push_back(link(8, "veth0", "veth",
                         {.source = LinkSource::veth, .host_name = "vh-0", .bridge = "br0",
                          .host_addresses = {prefix("10.4.0.1/24")}}));
  v.links.back().addresses = {address(8, "10.4.0.2/24")};
  v.links.push_back(link(9, "mv0", "macvlan", {.source = LinkSource::macvlan, .host_name = "nic2"}));
  v.links.back().link.macvlan_mode = MACVLAN_MODE_VEPA;
  v.links.back().link.flags = 0;  // down
  v.links.push_back(link(10, "tun0", "tun"));
  Route def4 = route("0.0.0.0/0", 7);
  def4.gateway = *IpAddress::parse("10.1.0.1");
  Route def6 = route("::/0", 8);
  def6.metric = 1024;
  Route onlink = route("172.16.0.0/12", 7);
  onlink.gateway = *IpAddress::parse("10.99.0.1");
  onlink.onlink = true;
  onlink.metric = 50;
  Route with_source = route("10.9.0.0/16", 8);
  with_source.source = *IpAddress::parse("10.4.0.2");
  Route blackhole = route("192.0.2.0/24", 0);
  blackhole.type = RTN_BLACKHOLE;
  v.routes = {def4, route("10.1.0.0/24", 7, RTPROT_KERNEL), route("fe80::/64", 7, RTPROT_KERNEL),
              route("2001:db8::/64", 7, RTPROT_RA), def6, onlink, with_source, route("10.10.0.0/16", 10),
              blackhole};
  return v;
}

bool mentions(const std::vector<std::string>& notes, std::string_view text) {
  return std::any_of(notes.begin(), notes.end(), [&](auto& n) { return n.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("export describes devices by their host origin and keeps only configured state") {
  auto out = netspec::export_network_spec(sample());
  auto doc = json::parse(out.json);
  CHECK(doc["version"] == 1);
  CHECK(doc["loopback"] == json{{"up", true}});
  REQUIRE(doc["devices"].size() == 3);
  CHECK(doc["devices"][0] == json::parse(R"({"name": "eth0", "move": "nic0",
      "addresses": ["10.1.0.2/24", "fd00:1::2/64"], "mtu": 1450, "mac": "02:00:00:00:00:07", "up": true})"));
  // A veth's and a macvlan's MAC are left out: a second container made from the export
  // would otherwise get the first one's MAC on the same bridge or parent.
  CHECK(doc["devices"][1] == json::parse(R"({"name": "veth0",
      "veth": {"hostName": "vh-0", "bridge": "br0", "hostAddresses": ["10.4.0.1/24"]},
      "addresses": ["10.4.0.2/24"], "mtu": 1500, "up": true})"));
  CHECK(doc["devices"][2] == json::parse(R"({"name": "mv0", "macvlan": {"parent": "nic2", "mode": "vepa"},
      "mtu": 1500, "up": false})"));
  CHECK(doc["routes"] == json::parse(R"([
      {"to": "default", "via": "10.1.0.1", "device": "eth0"},
      {"to": "::/0", "device": "veth0", "metric": 1024},
      {"to": "172.16.0.0/12", "via": "10.99.0.1", "device": "eth0", "onlink": true, "metric": 50},
      {"to": "10.9.0.0/16", "device": "veth0"}])"));
  INFO(out.json);
  CHECK(out.left_out.size() == 4);
  CHECK(mentions(out.left_out, "link tun0 (tun)"));
  CHECK(mentions(out.left_out, "10.10.0.0/16"));       // through tun0
  CHECK(mentions(out.left_out, "only unicast"));       // the blackhole
  CHECK(mentions(out.left_out, "preferred source 10.4.0.2"));
}

TEST_CASE("an exported spec passes the spec checker and reads back as the same model") {
  auto out = netspec::export_network_spec(sample());
  auto check = netspec::check_network_spec(out.json, "exported.json");
  INFO(messages(check));
  INFO(out.json);
  REQUIRE(check.spec);
  const auto& net = check.spec->net;
  REQUIRE(net.devices.size() == 3);
  CHECK(std::get<MoveDevice>(net.devices[0].kind).host_name == "nic0");
  CHECK(std::get<MoveDevice>(net.devices[0].kind).keep_addresses == KeepAddresses::none);  // listed instead
  CHECK(net.devices[0].mtu == 1450u);
  CHECK(std::get<VethDevice>(net.devices[1].kind).bridge == "br0");
  CHECK(std::get<MacvlanDevice>(net.devices[2].kind).mode == MacvlanMode::vepa);
  CHECK_FALSE(net.devices[2].up);
  REQUIRE(net.routes.size() == 4);
  CHECK(net.routes[1].to.family() == AF_INET6);
  CHECK(net.routes[1].to.length == 0);
}

TEST_CASE("export of a container with only its loopback is a spec with no devices") {
  ContainerNetworkView v;
  v.links.push_back(link(1, "lo", ""));
  v.links.back().addresses = {address(1, "127.0.0.1/8"), address(1, "127.0.0.2/8")};
  auto out = netspec::export_network_spec(v);
  CHECK(json::parse(out.json) == json::parse(R"({"version": 1, "loopback": {"up": true}})"));
  CHECK(out.left_out == std::vector<std::string>{"address 127.0.0.2/8 on lo"});
  CHECK(netspec::check_network_spec(out.json, "x.json").spec);
}

TEST_CASE("show JSON names each link's host origin and each route's device") {
  auto doc = netspec::network_view_json(sample());
  REQUIRE(doc["links"].size() == 5);
  CHECK_FALSE(doc["links"][0].contains("host"));  // lo
  CHECK_FALSE(doc["links"][0].contains("kind"));
  CHECK(doc["links"][1]["host"] == nlohmann::ordered_json{{"origin", "moved"}, {"name", "nic0"}});
  CHECK(doc["links"][1]["addresses"].size() == 4);  // everything the kernel holds
  CHECK(doc["links"][2]["host"]["bridge"] == "br0");
  CHECK(doc["links"][3]["host"] == nlohmann::ordered_json{{"origin", "macvlan"}, {"parent", "nic2"}, {"mode", "vepa"}});
  CHECK(doc["links"][3]["up"] == false);
  CHECK(doc["routes"][0]["device"] == "eth0");
  CHECK(doc["routes"][1]["protocol"] == "kernel");
  CHECK(doc["routes"][8]["to"] == "192.0.2.0/24");
  CHECK_FALSE(doc["routes"][8].contains("device"));
  CHECK(json::parse(netspec::render_network_view(sample())) == json::parse(doc.dump()));
}

TEST_CASE("export carries the DNS and hosts entries the container was given") {
  // What create wrote into the state directory from the spec, read back.
  netspec::DnsConfig given{.nameservers = {*IpAddress::parse("10.88.0.1"), *IpAddress::parse("fd00::1")},
                  .search = {"example.com", "corp.example"},
                  .options = {"ndots:1", "edns0"}};
  std::vector<netspec::HostEntry> hosts{{*IpAddress::parse("10.88.0.1"), {"gateway", "gw"}},
                               {*IpAddress::parse("fd00::1"), {"gateway6"}}};
  std::vector<std::string> unread;
  netspec::ContainerEtc etc{.dns = netspec::parse_resolv_conf(render_resolv_conf(given), unread),
                   .hosts = netspec::parse_hosts(render_hosts(hosts), unread)};
  CHECK(unread.empty());
  auto out = netspec::export_network_spec(sample(), etc);
  auto doc = json::parse(out.json);
  CHECK(doc["dns"] == json::parse(R"({"nameservers": ["10.88.0.1", "fd00::1"],
      "search": ["example.com", "corp.example"], "options": ["ndots:1", "edns0"]})"));
  CHECK(doc["hosts"] == json::parse(R"([{"address": "10.88.0.1", "names": ["gateway", "gw"]},
      {"address": "fd00::1", "names": ["gateway6"]}])"));
  // And a spec read from the export renders the same files again.
  auto check = netspec::check_network_spec(out.json, "exported.json");
  INFO(messages(check));
  REQUIRE(check.spec);
  REQUIRE(check.spec->dns);
  CHECK(netspec::render_resolv_conf(*check.spec->dns) == render_resolv_conf(given));
  CHECK(netspec::render_hosts(check.spec->hosts) == render_hosts(hosts));
}

TEST_CASE("a container given no DNS or hosts entries exports none, and an empty dns object stays one") {
  auto doc = json::parse(netspec::export_network_spec(sample()).json);
  CHECK_FALSE(doc.contains("dns"));
  CHECK_FALSE(doc.contains("hosts"));
  std::vector<std::string> unread;
  netspec::ContainerEtc etc{.dns = netspec::parse_resolv_conf(netspec::render_resolv_conf({}), unread)};
  CHECK(json::parse(export_network_spec(sample(), etc).json)["dns"] == json::object());
  CHECK(unread.empty());
}

TEST_CASE("lines of resolv.conf and hosts that are not as create writes them are named and skipped") {
  std::vector<std::string> unread;
  auto dns = netspec::parse_resolv_conf("# written by hand\nnameserver 10.0.0.1\nnameserver not-an-ip\ndomain x\n\n"
                               "search a b # trailing\n",
                               unread);
  CHECK(dns.nameservers.size() == 1);
  CHECK(dns.search == std::vector<std::string>{"a", "b"});
  auto hosts = netspec::parse_hosts("10.0.0.1 a b\nbogus line\n10.0.0.2\n", unread);
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0].names == std::vector<std::string>{"a", "b"});
  CHECK(unread == std::vector<std::string>{"resolv.conf line 3: nameserver ...", "resolv.conf line 4: domain ...",
                                           "hosts line 2: bogus ...", "hosts line 3: 10.0.0.2 ..."});
}
