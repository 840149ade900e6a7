#include "runtime/cmd_network.hpp"

#include <memory>
#include <vector>

namespace mr::runtime {

Command add_network_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("network", "create, list, inspect, remove or reload managed networks (--network-dir)");
  sub->require_subcommand(1);
  auto commands = std::make_shared<std::vector<Command>>(std::vector<Command>{
      add_network_create_command(*sub, g),
      add_network_ls_command(*sub, g),
      add_network_inspect_command(*sub, g),
      add_network_rm_command(*sub, g),
      add_network_prune_command(*sub, g),
      add_network_reload_command(*sub, g),
  });
  return {sub, [commands] {
            for (auto& c : *commands)
              if (c.app->parsed()) return c.run();
            return 1;
          }};
}

}  // namespace mr::runtime
