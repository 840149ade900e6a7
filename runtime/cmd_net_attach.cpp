// net attach ID HOSTDEV: moves a host device into the container (the RFC's "make eth0
// visible"), or with --macvlan exposes it as a macvlan child, or with --veth makes a new
// veth pair (HOSTDEV then names its host end, derived from the id if left out). Recorded
// in the container's journal like a device of its spec: detach or delete gives it back.
// The flags are cli/net_admin_flags.hpp's, shared with `netns-hook attach`.
#include <memory>

#include "cli/net_admin_flags.hpp"
#include "network/service.hpp"
#include "runtime/cmd_net.hpp"
#include "base/log.hpp"

namespace mr::runtime {

namespace {

Result<void> attach(const GlobalOptions& g, const cli::AttachFlags& f) {
  auto device = MR_TRY_VALUE(cli::device_from_flags(f, "net attach"));
  auto live = MR_TRY_VALUE(open_live_network(g, f.id, "net attach"));
  auto applied = MR_TRY_VALUE(network::attach(live.where(), device, live.state.id, g.root, g.network_dir));
  log_debug("net attach: " + applied.name + (applied.host_name.empty() ? "" : " (host " + applied.host_name + ")") +
            " is in container \"" + f.id + "\"");
  return {};
}

}  // namespace

Command add_net_attach_command(CLI::App& net, const GlobalOptions& g) {
  auto* sub = net.add_subcommand("attach", "give a created or running container a host device, a macvlan, a veth or a managed network");
  auto f = std::make_shared<cli::AttachFlags>();
  cli::add_attach_flags(*sub, *f);
  return {sub, [&g, f] {
            if (auto r = attach(g, *f); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
