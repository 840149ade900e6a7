// network reload: our nftables table rebuilt from the live containers' journals, after a
// firewall reload elsewhere (Debian's nftables.service starts with `flush ruleset`)
// wiped it. Prints the id of each container whose rules are back; warns of each chain
// of another table that drops forwarded packets.
#include <iostream>

#include "network/service.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

Command add_network_reload_command(CLI::App& network, const GlobalOptions&) {
  auto* sub = network.add_subcommand("reload", "rebuild the firewall rules of every container on a managed network");
  return {sub, [] {
            auto done = network::reload_networks();
            if (!done) return report_network(std::move(done).error(), "network reload");
            for (const auto& id : *done) std::cout << id << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
