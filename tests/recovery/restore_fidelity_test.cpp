// A host device lent to a container comes back with everything the move took from it:
// bridge membership, addresses with their labels, peers, flags and remaining lifetimes,
// routes in every table (multipath, protocol, metrics), permanent and proxy neighbour
// entries, and its own sysctls; read back from the kernel and compared with before. And
// what cannot come back (a route whose other gateway became unreachable meanwhile) is
// reported in one line without leaving the container's state behind.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/icmpv6.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/net_cli_host.hpp"
#include "netns/device_sysctl.hpp"
#include "netns/neighbour.hpp"
#include "netns/sysctl.hpp"

using namespace mr::test;
using namespace mr;
using namespace mr::netns;

namespace {

// Every line of a device's state that the comparisons use, sorted.
std::string joined(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

std::string name_of(const NetnsSnapshot& snap, int index) {
  const LinkInfo* l = snap.link(index);
  return l ? l->name : "#" + std::to_string(index);
}

// Every route of the namespace, all tables (a dump without filters walks them all).
std::vector<Route> all_routes(Space& s) {
  nl::Message m(RTM_GETROUTE, 0);
  rtmsg rtm{};
  m.put(rtm);
  std::vector<Route> out;
  MUST(s.nl.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWROUTE) out.push_back(parse_route(h));
  }));
  return out;
}

std::string route_line(const NetnsSnapshot& snap, const Route& r) {
  std::ostringstream o;
  o << "route table=" << r.table << " " << r.destination.network().to_string();
  if (r.from) o << " from " << r.from->network().to_string();
  if (r.gateway) o << " via " << r.gateway->to_string();
  if (r.oif) o << " dev " << name_of(snap, r.oif);
  o << " proto=" << int(r.protocol) << " scope=" << int(r.scope) << " type=" << int(r.type) << " metric=" << r.metric
    << " tos=" << int(r.tos);
  if (r.onlink) o << " onlink";
  if (r.source) o << " src " << r.source->to_string();
  if (r.pref) o << " pref=" << int(*r.pref);
  for (const auto& x : r.metrics) o << " rtax" << x.type << "=" << x.value;
  if (!r.congctl.empty()) o << " congctl " << r.congctl;
  // In their kernel's order but for IPv6, whose multipath route keeps the siblings
  // through other devices when one leaves (fib6_ifdown()) and gets the lost one appended.
  std::vector<std::string> nexthops;
  for (const auto& nh : r.nexthops)
    nexthops.push_back(" [nexthop" + (nh.gateway ? " via " + nh.gateway->to_string() : "") + " dev " +
                       name_of(snap, nh.ifindex) + " weight " + std::to_string(nh.weight) + " flags " +
                       std::to_string(nh.flags) + "]");
  if (r.family() == AF_INET6) std::sort(nexthops.begin(), nexthops.end());
  for (const auto& nh : nexthops) o << nh;
  return o.str();
}

// The configured neighbour entries of link `index`, from an unfiltered dump of both
// tables and of the proxy entries.
std::vector<std::string> neighbour_lines(Space& s, int index) {
  std::vector<std::string> out;
  for (bool proxy : {false, true}) {
    nl::Message m(RTM_GETNEIGH, 0);
    ndmsg ndm{};
    if (proxy) ndm.ndm_flags = NTF_PROXY;
    m.put(ndm);
    MUST(s.nl.dump(m, [&](const nlmsghdr* h) {
      if (h->nlmsg_type != RTM_NEWNEIGH) return;
      auto* n = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h));
      if (n->ndm_ifindex != index) return;
      auto a = nl::parse_attrs<NDA_MAX>(h, sizeof(ndmsg));
      if (!a[NDA_DST]) return;
      auto dst = IpAddress::from_bytes(n->ndm_family, nl::attr_payload(a[NDA_DST]));
      bool multicast = dst.family == AF_INET6 ? dst.bytes[0] == 0xff : (dst.bytes[0] & 0xf0) == 0xe0;
      if (!proxy && (!(n->ndm_state & (NUD_PERMANENT | NUD_NOARP)) || multicast)) return;
      std::vector<uint8_t> ll;
      if (a[NDA_LLADDR]) {
        auto b = nl::attr_payload(a[NDA_LLADDR]);
        ll.assign(b.begin(), b.end());
      }
      out.push_back(std::string(proxy ? "proxy " : "neigh ") + dst.to_string() + " lladdr " + lladdr_text(ll) +
                    " state=" + std::to_string(n->ndm_state) + " flags=" + std::to_string(n->ndm_flags));
    }));
  }
  return out;
}

// Every readable key of the device's net.ipv4.conf and net.ipv6.conf, read in `s`.
std::vector<std::string> sysctl_lines(Space& s, const std::string& dev) {
  std::vector<std::string> out;
  for (const char* family : {"ipv4", "ipv6"}) {
    std::string dir = std::string("/proc/sys/net/") + family + "/conf/" + dev;
    auto keys = MUST(run_in(s.ns, [&] {
      std::vector<std::string> names;
      for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
      return names;
    }));
    REQUIRE(keys.size() > 10);
    for (const auto& k : keys) {
      if (k == "stable_secret") continue;  // unreadable until set (EIO)
      out.push_back(std::string("sysctl ") + family + " " + k + " = " +
                    MUST(read_sysctl(s.ns, std::string("net/") + family + "/conf/" + dev + "/" + k)));
    }
  }
  return out;
}

// What a move takes from host device `name`: its master, its addresses (but for the
// lifetimes, compared apart, and the IPv6 link-local ones the kernel makes anew at its
// own pace), its routes in every table, neighbour entries and sysctls.
std::string device_view(Space& host, const std::string& name) {
  auto snap = host.snapshot();
  const LinkInfo* link = snap.link(name);
  REQUIRE_MESSAGE(link, name << " is on the host");
  int index = link->index;
  std::vector<std::string> lines;
  lines.push_back("master " + (link->master ? name_of(snap, link->master) : std::string("-")) + " up=" +
                  std::to_string(link->up()));
  for (const auto& a : MUST(list_addresses(host.nl, index))) {
    if (a.prefix.address.is_ipv6_link_local()) continue;
    std::ostringstream o;
    o << "addr " << a.prefix.to_string() << " peer " << (a.peer ? a.peer->to_string() : "-") << " label "
      << a.label << " scope=" << int(a.scope)
      << " flags=" << (a.flags & (kSettableAddressFlags | IFA_F_PERMANENT | IFA_F_SECONDARY))
      << " prio=" << a.rt_priority << " proto=" << int(a.proto)
      << " broadcast " << (a.broadcast ? a.broadcast->to_string() : "-");
    lines.push_back(o.str());
  }
  for (const auto& r : all_routes(host)) {
    bool through = r.oif == index || std::any_of(r.nexthops.begin(), r.nexthops.end(),
                                                 [&](const Nexthop& nh) { return nh.ifindex == index; });
    // The kernel's IPv6 routes of link-local and multicast addresses come with the
    // link-local address, and its local-table routes of every address once DAD is done
    // (addrconf_dad_completed()), from a work queue: at their own pace.
    bool own_pace = r.family() == AF_INET6 && (r.destination.address.is_ipv6_link_local() ||
                                              r.destination.address.bytes[0] == 0xff ||
                                              (r.table == RT_TABLE_LOCAL && r.protocol == RTPROT_KERNEL));
    if (through && !own_pace) lines.push_back(route_line(snap, r));
  }
  for (auto& n : neighbour_lines(host, index)) lines.push_back(std::move(n));
  for (auto& s : sysctl_lines(host, name)) lines.push_back(std::move(s));
  return joined(std::move(lines));
}

// The finite lifetimes (valid, preferred) of the device's addresses, by address.
std::map<std::string, std::pair<uint32_t, uint32_t>> lifetimes(Space& host, const std::string& name) {
  std::map<std::string, std::pair<uint32_t, uint32_t>> out;
  for (const auto& a : MUST(list_addresses(host.nl, host.link(name).index)))
    if (!a.permanent() && !a.prefix.address.is_ipv6_link_local()) out[a.prefix.to_string()] = {a.valid_lft, a.preferred_lft};
  return out;
}

// Each finite lifetime is there again, what was left of it: no longer, not ended, not
// forever.
void check_lifetimes(const std::map<std::string, std::pair<uint32_t, uint32_t>>& before,
                     const std::map<std::string, std::pair<uint32_t, uint32_t>>& after) {
  REQUIRE(after.size() == before.size());
  for (const auto& [address, lft] : before) {
    CAPTURE(address);
    REQUIRE(after.count(address));
    auto [valid, preferred] = after.at(address);
    CHECK(valid <= lft.first);
    CHECK(valid > 0);
    CHECK(valid != kForever);
    CHECK(preferred <= lft.second);
    CHECK(preferred != kForever);
  }
}

Route route_to(const char* dest, uint32_t table, uint8_t proto = RTPROT_BOOT) {
  Route r;
  r.destination = prefix(dest);
  r.table = table;
  r.protocol = proto;
  r.scope = RT_SCOPE_UNIVERSE;
  r.type = RTN_UNICAST;
  return r;
}

Route via(const char* dest, uint32_t table, const char* gateway, int oif) {
  Route r = route_to(dest, table);
  r.gateway = ip(gateway);
  r.oif = oif;
  return r;
}

void add_route(Space& host, Route r) { MUST(add_recorded_route(host.nl, r, NLM_F_CREATE | NLM_F_EXCL)); }

void set_sysctl(Space& host, const std::string& key, const char* value) { MUST(write_sysctl(host.ns, key, value)); }

// A host whose nic0 has all a move takes: a port of br0, addresses of each kind, routes
// in the main table and in table 100 (multipath ones over nic0 and nic1 among them),
// neighbour entries and sysctls changed from their defaults. nic1 stays on the host.
struct FidelityHost : MiniRuncFixture {
  int nic0 = 0;
  int nic1 = 0;

  FidelityHost() {
    auto& host = sb.host();
    int br0 = sb.bridge("br0").index;
    nic0 = sb.veth("nic0", "wire0").index;
    nic1 = sb.veth("nic1", "wire1").index;
    MUST(set_link_master(host.nl, nic0, br0));
    MUST(add_address(host.nl, nic1, prefix("203.0.113.1/24")));
    MUST(add_address(host.nl, nic1, prefix("2001:db8:3::1/64"), {.no_dad = true}));

    MUST(add_address(host.nl, nic0, prefix("192.0.2.10/24"), {.label = "nic0:web"}));
    MUST(add_address(host.nl, nic0, prefix("10.20.0.1/32"), {.peer = ip("10.20.0.2")}));
    MUST(add_address(host.nl, nic0, prefix("172.16.0.1/16"), {.rt_priority = 50}));
    MUST(add_address(host.nl, nic0, prefix("198.51.100.2/24"), {.valid_lft = 3600, .preferred_lft = 1800}));
    MUST(add_address(host.nl, nic0, prefix("2001:db8:1::10/64"),
                     {.no_dad = true, .valid_lft = 3600, .preferred_lft = 1800}));
    MUST(add_address(host.nl, nic0, prefix("2001:db8::10/64"), {.no_dad = true, .flags = IFA_F_NOPREFIXROUTE}));

    // Main table: a gateway route with protocol static and metrics, an on-link route
    // with a preferred source, and a multipath route of each family over nic0 and nic1.
    Route metrics = via("10.9.0.0/16", RT_TABLE_MAIN, "192.0.2.1", nic0);
    metrics.protocol = RTPROT_STATIC;
    metrics.metric = 20;
    metrics.metrics = {{RTAX_MTU, 1400}, {RTAX_ADVMSS, 1360}};
    add_route(host, metrics);
    Route sourced = route_to("10.60.0.0/16", RT_TABLE_MAIN);
    sourced.scope = RT_SCOPE_LINK;
    sourced.oif = nic0;
    sourced.source = ip("192.0.2.10");
    add_route(host, sourced);
    Route multi4 = route_to("10.30.0.0/16", RT_TABLE_MAIN, RTPROT_STATIC);
    multi4.nexthops = {{ip("192.0.2.1"), nic0, 0, 1}, {ip("203.0.113.2"), nic1, 0, 3}};
    add_route(host, multi4);
    Route multi6 = route_to("2001:db8:30::/48", RT_TABLE_MAIN, RTPROT_STATIC);
    multi6.metric = 1024;
    multi6.nexthops = {{ip("2001:db8:1::1"), nic0, 0, 1}, {ip("2001:db8:3::2"), nic1, 0, 1}};
    add_route(host, multi6);
    // Table 100: a default route, and a gateway route listed before the on-link route
    // that reaches its gateway.
    add_route(host, via("0.0.0.0/0", 100, "192.0.2.1", nic0));
    Route onlink100 = route_to("10.200.0.0/16", 100);
    onlink100.scope = RT_SCOPE_LINK;
    onlink100.oif = nic0;
    add_route(host, onlink100);
    add_route(host, via("10.5.0.0/16", 100, "10.200.0.9", nic0));
    Route v6table = via("2001:db8:99::/48", 100, "2001:db8:1::1", nic0);
    v6table.metric = 1024;
    v6table.pref = ICMPV6_ROUTER_PREF_HIGH;
    add_route(host, v6table);

    MUST(add_neighbour(host.nl, nic0, {ip("192.0.2.77"), {2, 0, 0, 0, 0, 0x77}, NUD_PERMANENT, 0}));
    MUST(add_neighbour(host.nl, nic0, {ip("2001:db8:1::77"), {2, 0, 0, 0, 0, 0x78}, NUD_PERMANENT, 0}));
    MUST(add_neighbour(host.nl, nic0, {ip("192.0.2.88"), {}, 0, NTF_PROXY}));
    MUST(add_neighbour(host.nl, nic0, {ip("2001:db8:1::88"), {}, 0, NTF_PROXY}));

    set_sysctl(host, "net/ipv4/conf/nic0/rp_filter", "2");
    set_sysctl(host, "net/ipv4/conf/nic0/arp_ignore", "1");
    set_sysctl(host, "net/ipv4/conf/nic0/arp_announce", "2");
    set_sysctl(host, "net/ipv4/conf/nic0/forwarding", "1");
    set_sysctl(host, "net/ipv6/conf/nic0/accept_ra", "0");
    set_sysctl(host, "net/ipv6/conf/nic0/hop_limit", "33");
    set_sysctl(host, "net/ipv6/conf/nic0/router_solicitation_interval", "7");
  }

  void write_spec(const std::string& path) {
    std::ofstream(path) << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})";
  }
};

// The host is only as good as what it holds: each kind of loss is there to be lost.
void check_host_has_it_all(const std::string& view) {
  INFO(view);
  for (const char* line : {
           "master br0 up=1",
           "addr 192.0.2.10/24 peer - label nic0:web",
           "addr 10.20.0.1/32 peer 10.20.0.2 label nic0",
           " prio=50 ",
           "route table=254 10.9.0.0/16 via 192.0.2.1 dev nic0 proto=4 scope=0 type=1 metric=20 tos=0 rtax2=1400 rtax8=1360",
           "route table=254 10.60.0.0/16 dev nic0 proto=3 scope=253 type=1 metric=0 tos=0 src 192.0.2.10",
           "route table=254 10.30.0.0/16 proto=4 scope=0 type=1 metric=0 tos=0 [nexthop via 192.0.2.1 dev nic0 weight 1 "
           "flags 0] [nexthop via 203.0.113.2 dev nic1 weight 3 flags 0]",
           "route table=254 2001:db8:30::/48 proto=4 scope=0 type=1 metric=1024 tos=0 pref=0 [nexthop via 2001:db8:1::1 "
           "dev nic0 weight 1 flags 0] [nexthop via 2001:db8:3::2 dev nic1 weight 1 flags 0]",
           "route table=100 0.0.0.0/0 via 192.0.2.1 dev nic0",
           "route table=100 10.5.0.0/16 via 10.200.0.9 dev nic0",
           "route table=100 2001:db8:99::/48 via 2001:db8:1::1 dev nic0 proto=3 scope=0 type=1 metric=1024 tos=0 pref=1",
           "neigh 192.0.2.77 lladdr 02:00:00:00:00:77 state=128",
           "neigh 2001:db8:1::77 lladdr 02:00:00:00:00:78 state=128",
           "proxy 192.0.2.88",
           "proxy 2001:db8:1::88",
           "sysctl ipv4 rp_filter = 2",
           "sysctl ipv4 arp_ignore = 1",
           "sysctl ipv4 forwarding = 1",
           "sysctl ipv6 accept_ra = 0",
           "sysctl ipv6 hop_limit = 33",
           "sysctl ipv6 router_solicitation_interval = 7",
       }) {
    CAPTURE(line);
    CHECK(view.find(line) != std::string::npos);
  }
}

}  // namespace

TEST_CASE_FIXTURE(FidelityHost, "a device lent to a container comes back with all the move took from it") {
  const std::string view_before = device_view(sb.host(), "nic0");
  check_host_has_it_all(view_before);
  const auto lifetimes_before = lifetimes(sb.host(), "nic0");
  REQUIRE(lifetimes_before.size() == 2);
  b.args(kWaitForTerm);
  b.write();
  std::string spec = tmp.file("network.json");
  write_spec(spec);
  auto ok = [&](const std::vector<std::string>& args) {
    auto o = runc(args);
    INFO("mini-runc " << args.front() << ": " << o.err);
    REQUIRE(o.status == 0);
    CHECK(o.err.empty());  // nothing left out
  };

  SUBCASE("through run and delete --force") {
    ok({"run", "-d", "-b", b.dir, "--network", spec, "c1"});
    REQUIRE_FALSE(sb.host().has_link("nic0"));
    ok({"delete", "--force", "c1"});
  }
  SUBCASE("through net attach and net detach") {
    ok({"run", "-d", "-b", b.dir, "c2"});
    ok({"net", "attach", "c2", "nic0", "--name", "eth0"});
    REQUIRE_FALSE(sb.host().has_link("nic0"));
    ok({"net", "detach", "c2", "eth0"});
    ok({"delete", "--force", "c2"});
  }
  CHECK(device_view(sb.host(), "nic0") == view_before);
  check_lifetimes(lifetimes_before, lifetimes(sb.host(), "nic0"));
}

TEST_CASE_FIXTURE(FidelityHost, "routes that cannot come back are reported, a line each, and leave nothing behind") {
  // Two routes through nic0 need nic1's address 203.0.113.1/24, which goes away while
  // nic0 is lent: the IPv4 multipath route 10.30.0.0/16 (fib_sync_down_dev() kills it
  // whole), whose other gateway, 203.0.113.2, is reachable only through that address,
  // and 10.70.0.0/16, whose preferred source it is. Neither can be added again.
  Route sourced = route_to("10.70.0.0/16", RT_TABLE_MAIN);
  sourced.scope = RT_SCOPE_LINK;
  sourced.oif = nic0;
  sourced.source = ip("203.0.113.1");
  add_route(sb.host(), sourced);
  b.args(kWaitForTerm);
  b.write();
  std::string spec = tmp.file("network.json");
  write_spec(spec);
  const std::string id = "stuck";
  // On-link routes are added first, and reported in that order.
  const std::string expected =
      "mini-runc: warning: nic0 returned without route 10.70.0.0/16: Invalid argument (kernel: Invalid prefsrc "
      "address)\n"
      "mini-runc: warning: nic0 returned without route 10.30.0.0/16 nexthops via 192.0.2.1, via 203.0.113.2: "
      "Network is unreachable (kernel: Nexthop has invalid gateway)\n";
  auto lend = [&] {
    REQUIRE(runc({"run", "-d", "-b", b.dir, "--network", spec, id}).status == 0);
    REQUIRE_FALSE(sb.host().has_link("nic0"));
    MUST(delete_address(sb.host().nl, nic1, prefix("203.0.113.1/24")));
  };
  Outcome o;
  SUBCASE("delete --force") {
    lend();
    o = runc({"delete", "--force", id});
  }
  SUBCASE("cleanup after the init died") {
    lend();
    pid_t pid = runc.state(id)["pid"];
    REQUIRE(::kill(pid, SIGKILL) == 0);
    wait_gone(pid);
    o = runc({"cleanup"});
    CHECK(o.out == id + ": removed (its init is gone)\n");
  }
  SUBCASE("run, when its workload ends") {
    UniqueFd err(::memfd_create("stderr", MFD_CLOEXEC));
    REQUIRE(err);
    // The workload says when it can take SIGTERM: as the init of its pid namespace, it
    // ignores the signal until its handler is in place. Its network is set up by then.
    b.args({"sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 1000 & wait"});
    b.write();
    UniqueFd out;
    pid_t run = runc.spawn({"run", "-b", b.dir, "--network", spec, id}, out, {}, {}, err.get());
    std::string said;
    char c = 0;
    while (said != "ready\n" && ::read(out.get(), &c, 1) == 1) said += c;
    REQUIRE(said == "ready\n");
    REQUIRE_FALSE(sb.host().has_link("nic0"));
    MUST(delete_address(sb.host().nl, nic1, prefix("203.0.113.1/24")));
    REQUIRE(runc({"kill", id, "TERM"}).status == 0);
    o.status = wait_status(run);
    ::lseek(err.get(), 0, SEEK_SET);
    o.err = read_all(err.get());
  }
  INFO("stderr: " << o.err);
  CHECK(o.status == 0);
  // One line per route. Everything else of nic0 came back.
  CHECK(o.err == expected);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/" + id));
  CHECK_FALSE(is_mount_point(runc.root() + "/" + id + "/netns"));
  auto view = device_view(sb.host(), "nic0");
  CHECK(view.find("addr 192.0.2.10/24 ") != std::string::npos);
  CHECK(view.find("route table=100 10.5.0.0/16 via 10.200.0.9 dev nic0") != std::string::npos);
  CHECK(view.find("10.30.0.0/16") == std::string::npos);
  CHECK(view.find("10.70.0.0/16") == std::string::npos);
  // Nothing is left to retry: another cleanup finds nothing and says nothing.
  auto again = runc({"cleanup"});
  CHECK(again.status == 0);
  CHECK(again.out.empty());
  CHECK(again.err.empty());
}

TEST_CASE("the sysctl names of IFLA_INET_CONF and IFLA_INET6_CONF are the kernel's /proc keys") {
  // Each value the kernel lists by index is the value of the /proc key named for that
  // index; distinct values on keys next to each other show a shifted table.
  Sandbox sb;
  auto& host = sb.host();
  sb.veth("nic0", "wire0");
  for (auto [key, value] : {std::pair{"hop_limit", "33"}, {"accept_ra_min_lft", "7"}, {"ndisc_tclass", "5"},
                             {"ioam6_id", "9"}, {"ra_defrtr_metric", "77"}, {"ra_honor_pio_life", "1"},
                             {"force_forwarding", "1"}, {"dad_transmits", "3"}, {"router_solicitations", "4"},
                             {"router_solicitation_interval", "6"}, {"max_addresses", "8"}})
    set_sysctl(host, std::string("net/ipv6/conf/nic0/") + key, value);
  for (auto [key, value] : {std::pair{"arp_ignore", "1"}, {"arp_announce", "2"}, {"rp_filter", "1"},
                             {"medium_id", "5"}, {"arp_evict_nocarrier", "0"}})
    set_sysctl(host, std::string("net/ipv4/conf/nic0/") + key, value);
  DeviceSysctls conf;
  MUST(get_link(host.nl, "nic0", [&](const nlmsghdr* h) { conf = parse_device_sysctls(h); }));
  REQUIRE(conf.ipv4.size() >= 33);
  REQUIRE(conf.ipv6.size() >= 59);
  auto key_of = [](const std::string& dotted) {
    std::string k = dotted;
    std::replace(k.begin(), k.end(), '.', '/');
    return k;
  };
  for (size_t i = 0; i < conf.ipv4.size() && i < 33; ++i) {
    auto name = ipv4_sysctl_name("nic0", i);
    CAPTURE(name);
    CHECK(MUST(read_sysctl(host.ns, key_of(name))) == std::to_string(conf.ipv4[i]));
  }
  for (size_t i = 0; i < conf.ipv6.size(); ++i) {
    auto name = ipv6_sysctl_name("nic0", i);
    CAPTURE(name);
    REQUIRE_MESSAGE(name.find(" devconf ") == std::string::npos, "an index this build has no name for");
    if (name.ends_with(".stable_secret")) continue;  // not in the array (0), and unreadable
    std::string value = std::to_string(conf.ipv6[i]);
    // These four are milliseconds in the array and seconds in /proc; ioam6_id_wide is
    // unsigned there.
    for (const char* s : {".router_solicitation_interval", ".router_solicitation_delay", ".router_probe_interval",
                          ".router_solicitation_max_interval"})
      if (name.ends_with(s)) value = std::to_string(conf.ipv6[i] / 1000);
    if (name.ends_with(".ioam6_id_wide")) value = std::to_string(static_cast<uint32_t>(conf.ipv6[i]));
    auto read = read_sysctl(host.ns, key_of(name));
    // A key of an option the kernel was built without (CONFIG_IPV6_MROUTE,
    // CONFIG_IPV6_SEG6_HMAC) has no file, and 0 in the array.
    if (!read && read.error().err == ENOENT) {
      CHECK(conf.ipv6[i] == 0);
      continue;
    }
    CHECK(MUST(std::move(read)) == value);
  }
}
