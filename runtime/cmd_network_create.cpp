// network create NAME [--subnet CIDR]... [--gateway IP] [--ip-range CIDR] [--ipv6]
// [--internal] [--mtu N] [--bridge IFNAME] [--no-dns] [--label K=V]...: writes
// DIR/NAME.json and prints NAME. Subnets not given come from the pools, around the
// routes and addresses of the network namespace this runs in.
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netdef/network_store.hpp"
#include "netns/netlink_socket.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

namespace {

struct NetworkCreateFlags {
  std::string name;
  std::vector<std::string> subnets;
  std::optional<std::string> gateway;
  std::optional<std::string> ip_range;
  bool ipv6 = false;
  bool internal = false;
  std::optional<uint32_t> mtu;
  std::optional<std::string> bridge;
  bool no_dns = false;
  std::vector<std::string> labels;
};

Result<netdef::CreateRequest> request_of(const NetworkCreateFlags& f) {
  netdef::CreateRequest req;
  req.name = f.name;
  for (const auto& text : f.subnets) {
    auto p = netns::IpPrefix::parse(text);
    if (!p) return fail(0, "--subnet \"" + text + "\": expected a subnet such as 10.89.1.0/24 or fd12:3456:789a:1::/64");
    req.subnets.push_back(*p);
  }
  if (f.gateway) {
    auto a = netns::IpAddress::parse(*f.gateway);
    if (!a) return fail(0, "--gateway \"" + *f.gateway + "\": expected an IPv4 or IPv6 address");
    req.gateway = *a;
  }
  if (f.ip_range) {
    auto p = netns::IpPrefix::parse(*f.ip_range);
    if (!p) return fail(0, "--ip-range \"" + *f.ip_range + "\": expected a prefix such as 10.89.1.128/25");
    req.ip_range = *p;
  }
  req.ipv6 = f.ipv6;
  req.internal = f.internal;
  req.mtu = f.mtu;
  req.bridge = f.bridge;
  req.dns = !f.no_dns;
  for (const auto& label : f.labels) {
    auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) return fail(0, "--label \"" + label + "\": expected KEY=VALUE");
    req.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  return req;
}

}  // namespace

Command add_network_create_command(CLI::App& network, const GlobalOptions& g) {
  auto* sub = network.add_subcommand("create", "define a network; print its name");
  auto f = std::make_shared<NetworkCreateFlags>();
  sub->add_option("name", f->name, "the network's name ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 bytes)")->required();
  sub->add_option("--subnet", f->subnets, "a subnet (at most one per family; default: a free /24 of 10.89.1.0/24..10.91.255.0/24)");
  sub->add_option("--gateway", f->gateway, "the gateway of the subnet of its family (default: its first host address)");
  sub->add_option("--ip-range", f->ip_range, "containers' addresses only from this part of the subnet of its family");
  sub->add_flag("--ipv6", f->ipv6, "also an IPv6 subnet (default: a free /64 of fd00::/8)");
  sub->add_flag("--internal", f->internal, "no route out and no NAT");
  sub->add_option("--mtu", f->mtu, "the MTU of the bridge and the containers' links");
  sub->add_option("--bridge", f->bridge, "use this bridge of the host's, never made or deleted (default: mr-<id>)");
  sub->add_flag("--no-dns", f->no_dns, "no name resolution between the network's containers");
  sub->add_option("--label", f->labels, "KEY=VALUE, kept with the network");
  return {sub, [&g, f] {
            std::string what = "network create " + f->name;
            auto req = request_of(*f);
            if (!req) return report_network(std::move(req).error(), what);
            auto host = netns::NlSocket::open();
            if (!host) return report_network(std::move(host).error(), what);
            auto def = network_store(g).create(*req, *host);
            if (!def) return report_network(std::move(def).error(), what);
            std::cout << def->name << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
