// `mini-runc network create|ls|inspect|rm|prune`, the binary run inside each test's
// sandbox "host" namespace with its own --network-dir under the test's TempDir. The
// definitions are read back from the files; the sandbox host's links, addresses and
// routes are compared before and after, since defining a network changes nothing there.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netdef/network_def_file.hpp"
#include "netdef/prefix_math.hpp"
#include "support/files.hpp"
#include "support/runtime_harness.hpp"

using namespace mr;
using namespace mr::test;
using nlohmann::json;

namespace {

struct NetworkCli {
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc{sb, tmp.path() + "/root"};
  std::string dir = tmp.path() + "/networks";

  // mini-runc --root ROOT --network-dir DIR network ARGS...
  Outcome operator()(std::vector<std::string> args) {
    args.insert(args.begin(), {"--network-dir", dir, "network"});
    return runc(args);
  }
  // Every file in the network directory and its content.
  std::map<std::string, std::string> files() const {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      out[e.path().filename().string()] = read_file(e.path().string());
    return out;
  }
  std::string file(const std::string& name) const { return dir + "/" + name + ".json"; }
  netdef::NetworkDef read_back(const std::string& name) {
    auto def = netdef::read_network_file(file(name));
    if (!def) FAIL(def.error().message());
    return *def;
  }
  void link_with_route_room() { sb.veth("nic0", "peer0"); }
  void route(const char* to, uint32_t table = RT_TABLE_MAIN) {
    netns::Route r;
    r.destination = *netns::IpPrefix::parse(to);
    r.oif = sb.host().link("nic0").index;
    r.table = table;
    MUST(netns::add_route(sb.host().nl, r));
  }
};

// A refusal: exit status 1 and one line on stderr holding `what`.
void check_refused(const Outcome& o, const std::string& what) {
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  CHECK(o.out.empty());
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  CHECK(o.err.starts_with("mini-runc: error: "));
  CHECK(o.err.find(what) != std::string::npos);
}

std::vector<std::string> names_of(const json& array) {
  std::vector<std::string> out;
  for (const auto& n : array) out.push_back(n.at("name").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("network create, ls, inspect, rm and prune keep one file per network") {
  NetworkCli net;
  const std::string host_before = host_state(net.sb.host());

  auto made = net({"create", "web"});
  INFO(made.err);
  REQUIRE(made.status == 0);
  CHECK(made.out == "web\n");
  auto web = net.read_back("web");
  CHECK(web.name == "web");
  REQUIRE(web.subnets.size() == 1);
  CHECK(web.subnets[0].subnet.to_string() == "10.89.1.0/24");  // the pool's first: the sandbox has no route there
  CHECK(web.subnets[0].gateway.to_string() == "10.89.1.1");
  CHECK(web.bridge == "mr-" + web.id.substr(0, 12));
  CHECK(web.id.size() == 64);
  CHECK(web.dns);
  CHECK(!web.created.empty());

  made = net({"create", "db", "--subnet", "192.168.50.0/24", "--gateway", "192.168.50.254", "--ip-range",
              "192.168.50.128/25", "--ipv6", "--internal", "--mtu", "1400", "--no-dns", "--bridge", "br-db", "--label",
              "team=db", "--label", "tier=back"});
  INFO(made.err);
  REQUIRE(made.status == 0);
  auto db = net.read_back("db");
  REQUIRE(db.subnets.size() == 2);
  CHECK(db.subnets[0].subnet.to_string() == "192.168.50.0/24");
  CHECK(db.subnets[0].gateway.to_string() == "192.168.50.254");
  CHECK(db.subnets[0].ip_range->to_string() == "192.168.50.128/25");
  CHECK(netdef::inside(db.subnets[1].subnet, *netns::IpPrefix::parse("fd00::/8")));
  CHECK(db.subnets[1].subnet.length == 64);
  CHECK(db.subnets[1].gateway == netdef::first_host(db.subnets[1].subnet));
  CHECK(db.internal);
  CHECK(!db.dns);
  CHECK(db.mtu == 1400u);
  CHECK(db.bridge == "br-db");
  CHECK(db.bridge_given);
  CHECK(db.labels == std::map<std::string, std::string>{{"team", "db"}, {"tier", "back"}});
  CHECK(web.id != db.id);

  auto ls = net({"ls"});
  REQUIRE(ls.status == 0);
  CHECK(ls.out.starts_with("NAME     DRIVER  SUBNETS"));
  CHECK(ls.out.find("\ndb       bridge  192.168.50.0/24," + db.subnets[1].subnet.to_string() + "  br-db\n") !=
        std::string::npos);
  CHECK(ls.out.find("\ndefault  bridge  10.89.0.0/24") != std::string::npos);
  CHECK(ls.out.find("  mini-runc0\n") != std::string::npos);
  CHECK(ls.out.find("\nweb      bridge  10.89.1.0/24") != std::string::npos);

  auto ls_json = net({"ls", "--format", "json"});
  REQUIRE(ls_json.status == 0);
  json all = json::parse(ls_json.out);
  CHECK(names_of(all) == std::vector<std::string>{"db", "default", "web"});

  auto inspect = net({"inspect", "web", "default"});
  INFO(inspect.err);
  REQUIRE(inspect.status == 0);
  json both = json::parse(inspect.out);
  REQUIRE(both.size() == 2);
  json stored = json::parse(read_file(net.file("web")));
  json shown = both[0];
  CHECK(shown.at("file") == net.file("web"));
  shown.erase("file");
  CHECK(shown == stored);  // as stored, plus "file"
  CHECK(both[1].at("file") == "");
  CHECK(both[1].at("bridge") == "mini-runc0");
  CHECK(both[1].at("subnets")[0].at("gateway") == "10.89.0.1");

  auto rm = net({"rm", "web"});
  INFO(rm.err);
  REQUIRE(rm.status == 0);
  CHECK(rm.out == "web\n");
  CHECK(!std::filesystem::exists(net.file("web")));
  check_refused(net({"rm", "default"}), "network rm: the network \"default\" cannot be removed");
  check_refused(net({"inspect", "web"}), "no network \"web\"");

  auto prune = net({"prune"});
  REQUIRE(prune.status == 0);
  CHECK(prune.out == "db\n");
  CHECK(net.files().empty());
  ls_json = net({"ls", "--format", "json"});
  REQUIRE(ls_json.status == 0);
  CHECK(names_of(json::parse(ls_json.out)) == std::vector<std::string>{"default"});

  CHECK(host_state(net.sb.host()) == host_before);
}

TEST_CASE("an automatic subnet avoids the host's addresses and the routes of every table") {
  NetworkCli net;
  net.link_with_route_room();
  const int nic = net.sb.host().link("nic0").index;
  // An address without its prefix route: the kernel's local-table routes for it are
  // 10.89.1.5/32 and the broadcast 10.89.3.255/32; only the address itself says that
  // 10.89.2.0/24 is in use too.
  netns::AddressOptions no_route;
  no_route.flags = IFA_F_NOPREFIXROUTE;
  MUST(netns::add_address(net.sb.host().nl, nic, *netns::IpPrefix::parse("10.89.1.5/22"), no_route));
  net.route("10.89.4.0/24");        // the main table
  net.route("10.89.5.0/24", 100);   // a policy-routing table
  net.route("10.89.6.0/24", 1000);  // a table past 255 (RTA_TABLE)
  const std::string host_before = host_state(net.sb.host());

  auto made = net({"create", "auto"});
  INFO(made.err);
  REQUIRE(made.status == 0);
  CHECK(net.read_back("auto").subnets.at(0).subnet.to_string() == "10.89.7.0/24");
  // The next one also avoids the network just made.
  made = net({"create", "auto2"});
  REQUIRE(made.status == 0);
  CHECK(net.read_back("auto2").subnets.at(0).subnet.to_string() == "10.89.8.0/24");
  CHECK(host_state(net.sb.host()) == host_before);
}

TEST_CASE("bad requests are refused in one line and write nothing") {
  NetworkCli net;
  net.link_with_route_room();
  REQUIRE(net({"create", "a", "--subnet", "10.50.0.0/16"}).status == 0);
  // The pools full: every /24 of them is on a route of the sandbox host.
  net.route("10.89.0.0/16");
  net.route("10.90.0.0/15");
  net.route("fd00::/8");
  const auto files_before = net.files();
  REQUIRE(files_before.size() == 1);
  const std::string host_before = host_state(net.sb.host());
  const std::string a_file = net.file("a");

  check_refused(net({"create", "b", "--subnet", "10.50.1.0/24"}),
                "network create b: subnet 10.50.1.0/24 overlaps network \"a\"'s 10.50.0.0/16 (" + a_file + ")");
  check_refused(net({"create", "b", "--subnet", "10.89.0.0/16"}),
                "network create b: subnet 10.89.0.0/16 overlaps network \"default\"'s 10.89.0.0/24 (built in)");
  check_refused(net({"create", "b", "--subnet", "10.60.0.0/24", "--gateway", "10.61.0.1"}),
                "network create b: --gateway: expected an address inside subnet 10.60.0.0/24 (got 10.61.0.1)");
  check_refused(net({"create", "b", "--subnet", "10.60.0.0/24", "--ip-range", "10.60.1.0/25"}),
                "network create b: --ip-range: expected a range inside subnet 10.60.0.0/24 (got 10.60.1.0/25)");
  check_refused(net({"create", "b", "--subnet", "10.60.0.0/24", "--subnet", "10.61.0.0/24"}),
                "network create b: --subnet: expected at most one IPv4 subnet (this is a second one)");
  check_refused(net({"create", "b", "--subnet", "10.60.0.0/24", "--bridge", "mini-runc0"}),
                "network create b: bridge mini-runc0 is network \"default\"'s (built in)");
  check_refused(net({"create", "a"}), "network create a: network \"a\" exists already (" + a_file + ")");
  check_refused(net({"create", "default"}), "network create default: network \"default\" exists already (built in)");
  check_refused(net({"create", "_bad"}), "network create _bad: network name \"_bad\" does not match");
  check_refused(net({"create", "../escape"}), "network name \"../escape\" does not match");
  check_refused(net({"create", "b", "--subnet", "10.60.0.5/24"}),
                "network create b: --subnet: expected a network address: \"10.60.0.5/24\" has host bits set");
  check_refused(net({"create", "b", "--label", "novalue"}), "network create b: --label \"novalue\": expected KEY=VALUE");

  check_refused(net({"create", "b"}),
                "network create b: no free IPv4 subnet in the pool 10.89.1.0/24..10.89.255.0/24 and 10.90.0.0/15: "
                "every /24 overlaps another network, a route or an address of the host (give one with --subnet)");
  check_refused(net({"create", "b", "--subnet", "10.60.0.0/24", "--ipv6"}),
                "network create b: no free IPv6 subnet in the pool fd00::/8");

  CHECK(net.files() == files_before);
  CHECK(!std::filesystem::exists(net.tmp.path() + "/escape.json"));
  CHECK(host_state(net.sb.host()) == host_before);
}

TEST_CASE("a hand-edited file that breaks a rule is refused by ls and inspect, naming the file and pointer") {
  NetworkCli net;
  REQUIRE(net({"create", "web"}).status == 0);
  REQUIRE(net({"create", "db"}).status == 0);
  json doc = json::parse(read_file(net.file("web")));
  doc["subnets"][0]["gateway"] = "10.1.0.1";
  write_file(net.file("web"), doc.dump(2));
  const std::string line = net.file("web") + ":/subnets/0/gateway: expected an address inside subnet " +
                           doc["subnets"][0]["subnet"].get<std::string>() + " (got 10.1.0.1)";

  check_refused(net({"ls"}), "mini-runc: error: " + line + "\n");
  check_refused(net({"inspect", "web"}), "mini-runc: error: " + line + "\n");
  // The other networks still read.
  CHECK(net({"inspect", "db"}).status == 0);

  doc["subnets"][0].erase("gateway");
  doc["colour"] = "red";
  write_file(net.file("web"), doc.dump(2));
  check_refused(net({"ls", "--format", "json"}), net.file("web") + ":/colour: unknown key \"colour\"");

  // A file that does not read goes with --force only.
  check_refused(net({"rm", "web"}), net.file("web") + ":/colour: unknown key");
  CHECK(std::filesystem::exists(net.file("web")));
  auto forced = net({"rm", "--force", "web"});
  INFO(forced.err);
  CHECK(forced.status == 0);
  CHECK(!std::filesystem::exists(net.file("web")));
  CHECK(net({"ls"}).status == 0);
}

TEST_CASE("a default.json in the network directory replaces the built-in default, which cannot be removed") {
  NetworkCli net;
  std::filesystem::create_directories(net.dir);
  write_file(net.file("default"), R"({"name": "default", "bridge": "br-default", "subnets": [{"subnet": "10.99.0.0/24"}]})");
  auto inspect = net({"inspect", "default"});
  INFO(inspect.err);
  REQUIRE(inspect.status == 0);
  json def = json::parse(inspect.out).at(0);
  CHECK(def.at("file") == net.file("default"));
  CHECK(def.at("bridge") == "br-default");
  CHECK(def.at("subnets")[0].at("gateway") == "10.99.0.1");
  CHECK(def.at("id") == netdef::id_from_name("default"));
  // The pool's first /24 is free again: the built-in default's subnet is not in use.
  REQUIRE(net({"create", "web", "--subnet", "10.89.0.0/24"}).status == 0);
  check_refused(net({"rm", "default"}), "the network \"default\" cannot be removed");
  CHECK(std::filesystem::exists(net.file("default")));
  auto prune = net({"prune"});
  CHECK(prune.out == "web\n");
  CHECK(std::filesystem::exists(net.file("default")));
}
