#include <iostream>

#include "runtime/cli.hpp"

namespace mr::runtime {

Command add_state_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("state", "print the OCI state of a container");
  auto id = std::make_shared<std::string>();
  sub->add_option("container-id", *id)->required();
  return {sub, [&g, id] {
            auto c = load_container(g, *id);
            if (!c) return report(c.error());
            std::cout << state_json(c->state, current_status(c->dir, c->state)) << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
