#include "support/managed_host.hpp"

#include <signal.h>

#include <fstream>

#include "netns/address.hpp"
#include "netns/route.hpp"
#include "network/dns.hpp"
#include "support/apply_helpers.hpp"
#include "support/firewall_host.hpp"

namespace mr::test {

ManagedFixture::ManagedFixture() {
  picture_ruleset = true;
  set_bridge_netfilter(sb.host(), false);  // the published-ports test turns it on too
  auto wan = sb.veth_into(internet, "uplink", "wan0");
  auto uplink = sb.host().link("uplink");
  MUST(netns::add_address(sb.host().nl, uplink.index, prefix((std::string(kHostUplinkIp) + "/24").c_str())));
  MUST(netns::add_address(internet.nl, wan.index, prefix((std::string(kInternetHostIp) + "/24").c_str())));
  sb.host().wait_oper_up("uplink");
  internet.wait_oper_up("wan0");
  MUST(netns::add_route(sb.host().nl, netns::default_route(ip(kInternetHostIp))));
}

ManagedFixture::~ManagedFixture() {
  auto dir = network::dns_dir_of(sb.host().nl);
  std::ifstream in(dir ? *dir + "/aardvark.pid" : "");
  pid_t pid = 0;
  if (in >> pid && pid > 0) ::kill(pid, SIGKILL);
}

Outcome ManagedFixture::mr(std::vector<std::string> args) {
  args.insert(args.begin(), {"--network-dir", networks});
  return runc(args);
}

void ManagedFixture::write_spec(const std::string& json) {
  std::ofstream(b.dir + "/network.json") << json;
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
}

void ManagedFixture::create(const std::string& id) {
  auto r = mr({"create", "-b", b.dir, id});
  REQUIRE_MESSAGE(r.status == 0, r.err);
}

}  // namespace mr::test
