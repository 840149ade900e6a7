// net export ID: the container's live network as a network spec on stdout, from which
// `create --network FILE` builds a container with the same links, addresses and routes,
// and the DNS and hosts entries it was given (the files in its state directory).
#include <iostream>
#include <memory>

#include "network/service.hpp"
#include "runtime/cmd_net.hpp"
#include "base/log.hpp"

namespace mr::runtime {

Command add_net_export_command(CLI::App& net, const GlobalOptions& g) {
  auto* sub = net.add_subcommand("export", "print a container's live network as a network spec");
  auto id = std::make_shared<std::string>();
  sub->add_option("container-id", *id)->required();
  return {sub, [&g, id] {
            auto live = open_live_network(g, *id, "net export");
            if (!live) return report(live.error());
            auto spec = network::export_spec(live->where());
            if (!spec) return report(spec.error());
            for (const auto& line : spec->left_out) log_warn("net export: " + line);
            std::cout << spec->json << std::flush;
            return 0;
          }};
}

}  // namespace mr::runtime
