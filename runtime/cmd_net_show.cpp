// net show ID [--json]: the container's links, addresses and routes as the kernel holds
// them now, each link with where it came from on the host (the journal's origins), as
// JSON (netspec/network_view_json.hpp) or a table (cli/network_view_table.hpp).
#include <iostream>
#include <memory>

#include "cli/net_admin_flags.hpp"
#include "cli/network_view_table.hpp"
#include "network/service.hpp"
#include "netspec/network_view_json.hpp"
#include "runtime/cmd_net.hpp"

namespace mr::runtime {

Command add_net_show_command(CLI::App& net, const GlobalOptions& g) {
  auto* sub = net.add_subcommand("show", "print a container's live links, addresses and routes");
  auto f = std::make_shared<cli::ShowFlags>();
  cli::add_show_flags(*sub, *f);
  return {sub, [&g, f] {
            auto live = open_live_network(g, f->id, "net show");
            if (!live) return report(live.error());
            auto view = network::show(live->where());
            if (!view) return report(view.error());
            std::cout << (f->json ? netspec::render_network_view(*view) : cli::render_network_table(*view)) << std::flush;
            return 0;
          }};
}

}  // namespace mr::runtime
