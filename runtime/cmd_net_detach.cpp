// net detach ID NAME: gives a device back now, by its name in the container. A moved
// device returns to the host as it was; a veth or macvlan made for the container goes.
#include <memory>

#include "cli/net_admin_flags.hpp"
#include "network/service.hpp"
#include "runtime/cmd_net.hpp"
#include "base/log.hpp"

namespace mr::runtime {

Command add_net_detach_command(CLI::App& net, const GlobalOptions& g) {
  auto* sub = net.add_subcommand("detach", "give back a device attached to (or set up for) a container");
  auto f = std::make_shared<cli::DetachFlags>();
  cli::add_detach_flags(*sub, *f);
  return {sub, [&g, f] {
            auto live = open_live_network(g, f->id, "net detach");
            if (!live) return report(live.error());
            auto gone = network::detach(live->where(), f->name);
            if (!gone) return report(gone.error());
            if (gone->renamed) log_warn("net detach: " + *gone->renamed);
            for (const auto& w : gone->warnings) log_warn("net detach: " + w);
            return 0;
          }};
}

}  // namespace mr::runtime
