// Names on managed networks (network/dns.hpp): aardvark-dns answers for the containers of
// a network with DNS, by name and alias, on that network's gateway; not for another
// network's; the name goes when its container leaves, and the server with the last one.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/syscall.h>

#include <fstream>

#include "netns/namespace.hpp"
#include "network/dns.hpp"
#include "support/dns_query.hpp"
#include "support/network_join.hpp"
#include "support/scoped_env.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::test;

namespace {

// A sandbox whose DNS servers keep their directory in the test's own; the server still
// running when the test ends (a failed check) is stopped, so nothing holds the sandbox.
struct DnsHost {
  Sandbox sb;
  TempDir dir;
  ScopedEnv dns_here{"MR_DNS_DIR", dir.file("dns")};
  ~DnsHost() {
    if (auto pid = server_pid()) ::kill(*pid, SIGKILL);
  }
  std::string dns_dir() { return MUST(network::dns_dir_of(sb.host().nl)); }
  std::optional<pid_t> server_pid() {
    std::ifstream in(dns_dir() + "/aardvark.pid");
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    return std::nullopt;
  }
  void refresh(const netns::NetworkDevice& n) {
    network::DnsNetwork net{.name = n.network, .pool_dir = n.pool_dir};
    for (const auto& s : n.subnets) net.gateways.push_back(s.gateway);
    MUST(netns::run_in(sb.host().ns, [&] { return network::refresh_dns(sb.host().nl, net); }));
  }
};

netns::NetworkDevice with_dns(netns::NetworkDevice n, std::vector<std::string> aliases = {}) {
  n.dns = true;
  n.aliases = std::move(aliases);
  return n;
}

netns::NetworkDevice other_network(const std::string& pool_dir) {
  return {.network = "other",
          .network_id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
          .bridge = "mr-other",
          .subnets = {{.subnet = prefix("10.89.2.0/24"), .gateway = ip("10.89.2.1")}},
          .dns = true,
          .pool_dir = pool_dir};
}

// The A records of `name` once the server has read its files (see dns_addresses_once()).
std::vector<std::string> a_records(Space& from, const char* server, const std::string& name,
                                   const std::vector<std::string>& expected) {
  return dns_addresses_once(from, ip(server), name, expected);
}

}  // namespace

TEST_CASE("containers on a network with DNS find each other by name and alias, not across networks") {
  DnsHost h;
  const std::string before = host_state(h.sb.host());
  auto web_net = with_dns(web(h.dir.file("web-pool")), {"db"});
  auto a = member(h.sb, h.dir, "a");
  MUST(join(h.sb, a, joining(web_net)));
  h.refresh(web_net);
  auto b = member(h.sb, h.dir, "b");
  auto web_b = with_dns(web(h.dir.file("web-pool")));
  MUST(join(h.sb, b, joining(web_b)));
  h.refresh(web_b);
  auto other = other_network(h.dir.file("other-pool"));
  auto c = member(h.sb, h.dir, "c");
  MUST(join(h.sb, c, joining(other)));
  h.refresh(other);
  REQUIRE(h.server_pid());
  // Its file, as aardvark-dns reads it.
  std::ifstream file(h.dns_dir() + "/web");
  std::string text((std::istreambuf_iterator<char>(file)), {});
  CHECK(text == "10.89.1.1,fd00:89:1::1\na 10.89.1.2 fd00:89:1::2 a,db\nb 10.89.1.3 fd00:89:1::3 b\n");

  for (const char* name : {"eth0"}) {
    a.ctr.wait_oper_up(name);
    b.ctr.wait_oper_up(name);
    c.ctr.wait_oper_up(name);
  }
  CHECK(a_records(b.ctr, "10.89.1.1", "a", {"10.89.1.2"}) == std::vector<std::string>{"10.89.1.2"});
  CHECK(a_records(b.ctr, "10.89.1.1", "db", {"10.89.1.2"}) == std::vector<std::string>{"10.89.1.2"});
  CHECK(a_records(a.ctr, "10.89.1.1", "b", {"10.89.1.3"}) == std::vector<std::string>{"10.89.1.3"});
  auto v6 = dns_query(b.ctr, ip("10.89.1.1"), "a", AF_INET6);
  REQUIRE(v6);
  CHECK(v6->addresses == std::vector<std::string>{"fd00:89:1::2"});
  CHECK(a_records(c.ctr, "10.89.2.1", "c", {"10.89.2.2"}) == std::vector<std::string>{"10.89.2.2"});

  // a leaves: its name goes at once.
  leave(h.sb, a);
  h.refresh(web_net);
  CHECK(a_records(b.ctr, "10.89.1.1", "b", {"10.89.1.3"}) == std::vector<std::string>{"10.89.1.3"});
  CHECK(a_records(b.ctr, "10.89.1.1", "a", {}).empty());
  // Not across: the other network's server address knows none of web's names. (A name
  // it does not know it forwards to the host's servers, and aardvark-dns 1.4 finishes
  // such a query before it reads its files again: asked last, it delays no reload.)
  CHECK(a_records(c.ctr, "10.89.2.1", "b", {}).empty());

  // The last ones leave: the server stops.
  pid_t server = *h.server_pid();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, server, 0)));
  REQUIRE(pidfd);
  leave(h.sb, b);
  h.refresh(web_net);
  CHECK(::kill(server, 0) == 0);  // still serving "other"
  leave(h.sb, c);
  h.refresh(other);
  CHECK(wait_ready(pidfd.get(), POLLIN, 5000));
  CHECK_FALSE(h.server_pid());
  CHECK(settled_host_state(h.sb.host(), before) == before);
}
