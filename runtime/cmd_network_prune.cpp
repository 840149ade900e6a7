// network prune: removes every network but "default" that no container uses, printing
// each name.
#include <iostream>

#include "netdef/network_users.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

Command add_network_prune_command(CLI::App& network, const GlobalOptions& g) {
  auto* sub = network.add_subcommand("prune", "remove every network no container uses, but \"default\"");
  return {sub, [&g] {
            auto store = network_store(g);
            auto all = store.list();
            if (!all) return report_network(std::move(all).error(), "network prune");
            for (const auto& def : *all) {
              if (def.name == netdef::kDefaultNetworkName) continue;
              auto users = netdef::users_of(def);
              if (!users) return report_network(std::move(users).error(), "network prune: " + def.name);
              if (!users->empty()) continue;
              if (auto r = store.remove(def.name); !r) return report_network(std::move(r).error(), "network prune");
              std::cout << def.name << "\n";
            }
            return 0;
          }};
}

}  // namespace mr::runtime
