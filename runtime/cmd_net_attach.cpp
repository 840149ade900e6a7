// net attach ID HOSTDEV: moves a host device into the container (the RFC's "make eth0
// visible"), or with --macvlan exposes it as a macvlan child, or with --veth makes a new
// veth pair (HOSTDEV then names its host end, derived from the id if left out). Recorded
// in the container's journal like a device of its spec: detach or delete gives it back.
#include <memory>
#include <optional>
#include <vector>

#include "netns/attach.hpp"
#include "runtime/cmd_net.hpp"
#include "runtime/log.hpp"

namespace mr::runtime {

namespace {

struct AttachFlags {
  std::string id;
  std::string hostdev;
  std::string name;
  std::vector<std::string> addresses;
  bool keep_addresses = false;
  std::optional<uint32_t> mtu;
  std::string mac;
  bool macvlan = false;
  std::string mode;
  bool veth = false;
  std::string bridge;
  std::vector<std::string> host_addresses;
};

// A flag's value that does not parse, named by its flag.
template <class T>
netns::Result<T> flag_value(netns::Result<T> parsed, const char* flag) {
  if (!parsed) return std::unexpected(std::move(parsed).error().wrap(std::string("net attach: ") + flag));
  return parsed;
}

netns::Result<std::vector<netns::IpPrefix>> parse_prefixes(const std::vector<std::string>& texts,
                                                           const char* flag) {
  std::vector<netns::IpPrefix> out;
  for (const auto& t : texts) out.push_back(MR_TRY_VALUE(flag_value(netns::IpPrefix::parse(t), flag)));
  return out;
}

// The flags that belong to another kind of device are refused rather than ignored: a
// --bridge without --veth must not quietly move the device instead.
netns::Result<void> check_kind_flags(const AttachFlags& f) {
  auto refuse = [](const std::string& what) { return netns::fail_input("", "net attach: " + what); };
  if (f.macvlan && f.veth) return refuse("--macvlan and --veth exclude each other");
  if (!f.mode.empty() && !f.macvlan) return refuse("--mode is for --macvlan");
  if (!f.bridge.empty() && !f.veth) return refuse("--bridge is for --veth");
  if (!f.host_addresses.empty() && !f.veth) return refuse("--host-address is for --veth");
  if (f.keep_addresses && (f.macvlan || f.veth)) return refuse("--keep-addresses is for a moved device");
  if (f.hostdev.empty() && !f.veth)
    return refuse(std::string("HOSTDEV is required: the host device to ") + (f.macvlan ? "expose" : "move"));
  if (f.veth && f.name.empty()) return refuse("--veth needs --name: the device's name in the container");
  return {};
}

netns::Result<netns::DeviceConfig> device_from_flags(const AttachFlags& f) {
  MR_TRY(check_kind_flags(f));
  netns::DeviceConfig d;
  d.name = f.name.empty() ? f.hostdev : f.name;
  d.addresses = MR_TRY_VALUE(parse_prefixes(f.addresses, "--address"));
  d.mtu = f.mtu;
  if (!f.mac.empty()) d.mac = MR_TRY_VALUE(flag_value(netns::MacAddress::parse(f.mac), "--mac"));
  if (f.macvlan) {
    netns::MacvlanDevice m{.parent = f.hostdev};
    if (!f.mode.empty()) m.mode = MR_TRY_VALUE(flag_value(netns::parse_macvlan_mode(f.mode), "--mode"));
    d.kind = m;
  } else if (f.veth) {
    netns::VethDevice v{.host_name = f.hostdev};
    if (!f.bridge.empty()) v.bridge = f.bridge;
    v.host_addresses = MR_TRY_VALUE(parse_prefixes(f.host_addresses, "--host-address"));
    d.kind = v;
  } else {
    d.kind = netns::MoveDevice{.host_name = f.hostdev, .keep_addresses = f.keep_addresses};
  }
  return d;
}

netns::Result<void> attach(const GlobalOptions& g, const AttachFlags& f) {
  auto device = MR_TRY_VALUE(device_from_flags(f));
  auto live = MR_TRY_VALUE(open_live_network(g, f.id, "net attach"));
  auto applied = MR_TRY_VALUE(netns::attach_device(live.where(), device, {.container_id = live.state.id}));
  log_debug("net attach: " + applied.name + (applied.host_name.empty() ? "" : " (host " + applied.host_name + ")") +
            " is in container \"" + f.id + "\"");
  return {};
}

}  // namespace

Command add_net_attach_command(CLI::App& net, const GlobalOptions& g) {
  auto* sub = net.add_subcommand("attach", "give a created or running container a host device, a macvlan or a veth");
  auto f = std::make_shared<AttachFlags>();
  sub->add_option("container-id", f->id)->required();
  sub->add_option("hostdev", f->hostdev,
                  "the host device to move (with --macvlan: the parent; with --veth: the host end's name, "
                  "derived from the id if left out)");
  sub->add_option("--name", f->name, "its name in the container (default: HOSTDEV; required with --veth)");
  sub->add_option("--address", f->addresses, "an address for it in the container (CIDR; repeat for more)")
      ->allow_extra_args(false);
  sub->add_flag("--keep-addresses", f->keep_addresses, "a moved device keeps the host's addresses");
  sub->add_option("--mtu", f->mtu, "its MTU");
  sub->add_option("--mac", f->mac, "its MAC address");
  sub->add_flag("--macvlan", f->macvlan, "expose HOSTDEV as a macvlan child instead of moving it");
  sub->add_option("--mode", f->mode, "macvlan mode: private, vepa, bridge (default), passthru, source");
  sub->add_flag("--veth", f->veth, "make a veth pair, its other end on the host");
  sub->add_option("--bridge", f->bridge, "the host bridge for the veth's host end");
  sub->add_option("--host-address", f->host_addresses, "an address of the veth's host end (CIDR; repeat for more)")
      ->allow_extra_args(false);
  return {sub, [&g, f] {
            if (auto r = attach(g, *f); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
