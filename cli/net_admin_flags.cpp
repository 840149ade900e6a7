#include "cli/net_admin_flags.hpp"

#include "netns/ip.hpp"
#include "netns/link.hpp"

namespace mr::cli {

namespace {

// A flag's value that does not parse, named by its flag.
template <class T>
Result<T> flag_value(Result<T> parsed, std::string_view command, const char* flag) {
  if (!parsed) return std::unexpected(std::move(parsed).error().wrap(std::string(command) + ": " + flag));
  return parsed;
}

Result<std::vector<netns::IpPrefix>> parse_prefixes(const std::vector<std::string>& texts,
                                                           std::string_view command, const char* flag) {
  std::vector<netns::IpPrefix> out;
  for (const auto& t : texts) out.push_back(MR_TRY_VALUE(flag_value(netns::IpPrefix::parse(t), command, flag)));
  return out;
}

// A --bridge without --veth must not quietly move the device instead.
Result<void> check_kind_flags(const AttachFlags& f, std::string_view command) {
  auto refuse = [&](const std::string& what) { return fail_input("", std::string(command) + ": " + what); };
  if (f.macvlan && f.veth) return refuse("--macvlan and --veth exclude each other");
  if (!f.mode.empty() && !f.macvlan) return refuse("--mode is for --macvlan");
  if (!f.bridge.empty() && !f.veth) return refuse("--bridge is for --veth");
  if (!f.host_addresses.empty() && !f.veth) return refuse("--host-address is for --veth");
  if (f.keep_addresses && (f.macvlan || f.veth)) return refuse("--keep-addresses is for a moved device");
  if (!f.aliases.empty() && f.network.empty()) return refuse("--alias is for --network");
  if (!f.network.empty()) {
    if (!f.hostdev.empty()) return refuse("--network joins a network: it takes no HOSTDEV");
    if (f.macvlan || f.veth || f.keep_addresses) return refuse("--network excludes --macvlan, --veth and --keep-addresses");
    return {};
  }
  if (f.hostdev.empty() && !f.veth)
    return refuse(std::string("HOSTDEV is required: the host device to ") + (f.macvlan ? "expose" : "move"));
  if (f.veth && f.name.empty()) return refuse("--veth needs --name: the device's name in the container");
  return {};
}

}  // namespace

void add_attach_flags(CLI::App& sub, AttachFlags& f) {
  sub.add_option("container-id", f.id)->required();
  sub.add_option("hostdev", f.hostdev,
                 "the host device to move (with --macvlan: the parent; with --veth: the host end's name, "
                 "derived from the id if left out)");
  sub.add_option("--name", f.name, "its name in the container (default: HOSTDEV; required with --veth)");
  sub.add_option("--address", f.addresses, "an address for it in the container (CIDR; repeat for more)")
      ->allow_extra_args(false);
  sub.add_flag("--keep-addresses", f.keep_addresses, "a moved device keeps the host's addresses");
  sub.add_option("--mtu", f.mtu, "its MTU");
  sub.add_option("--mac", f.mac, "its MAC address");
  sub.add_flag("--macvlan", f.macvlan, "expose HOSTDEV as a macvlan child instead of moving it");
  sub.add_option("--mode", f.mode, "macvlan mode: private, vepa, bridge (default), passthru, source");
  sub.add_flag("--veth", f.veth, "make a veth pair, its other end on the host");
  sub.add_option("--bridge", f.bridge, "the host bridge for the veth's host end");
  sub.add_option("--host-address", f.host_addresses, "an address of the veth's host end (CIDR; repeat for more)")
      ->allow_extra_args(false);
  sub.add_option("--network", f.network,
                 "join managed network NAME: a veth on its bridge, an address from its pool, its routes, NAT and names "
                 "(--address asks for an address without a prefix length; --name defaults to the first free ethN)");
  sub.add_option("--alias", f.aliases, "another name for it in the network's DNS (repeat for more)")
      ->allow_extra_args(false);
}

void add_detach_flags(CLI::App& sub, DetachFlags& f) {
  sub.add_option("container-id", f.id)->required();
  sub.add_option("name", f.name, "the device's name in the container")->required();
}

void add_show_flags(CLI::App& sub, ShowFlags& f) {
  sub.add_option("container-id", f.id)->required();
  sub.add_flag("--json", f.json, "as JSON (see netspec/network_view_json.hpp)");
}

Result<netns::DeviceConfig> device_from_flags(const AttachFlags& f, std::string_view command) {
  MR_TRY(check_kind_flags(f, command));
  netns::DeviceConfig d;
  d.name = f.name.empty() ? f.hostdev : f.name;
  d.mtu = f.mtu;
  if (!f.mac.empty()) d.mac = MR_TRY_VALUE(flag_value(netns::MacAddress::parse(f.mac), command, "--mac"));
  if (!f.network.empty()) {
    // A network's addresses come without a length: its subnet gives it.
    netns::NetworkDevice n{.network = f.network, .aliases = f.aliases};
    for (const auto& a : f.addresses)
      n.requested.push_back(MR_TRY_VALUE(flag_value(netns::IpAddress::parse(a), command, "--address")));
    d.kind = n;
    return d;
  }
  d.addresses = MR_TRY_VALUE(parse_prefixes(f.addresses, command, "--address"));
  if (f.macvlan) {
    netns::MacvlanDevice m{.parent = f.hostdev};
    if (!f.mode.empty()) m.mode = MR_TRY_VALUE(flag_value(netns::parse_macvlan_mode(f.mode), command, "--mode"));
    d.kind = m;
  } else if (f.veth) {
    netns::VethDevice v{.host_name = f.hostdev};
    if (!f.bridge.empty()) v.bridge = f.bridge;
    v.host_addresses = MR_TRY_VALUE(parse_prefixes(f.host_addresses, command, "--host-address"));
    d.kind = v;
  } else {
    d.kind = netns::MoveDevice{.host_name = f.hostdev,
                               .keep_addresses = f.keep_addresses ? netns::KeepAddresses::all : netns::KeepAddresses::none};
  }
  return d;
}

}  // namespace mr::cli
