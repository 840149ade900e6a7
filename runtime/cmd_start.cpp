#include "runtime/cli.hpp"
#include "runtime/container.hpp"

namespace mr::runtime {

Command add_start_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("start", "start the process of a created container");
  auto id = std::make_shared<std::string>();
  sub->add_option("container-id", *id)->required();
  return {sub, [&g, id] {
            auto c = load_container(g, *id);
            if (!c) return report(c.error());
            if (auto r = start_container(c->dir, c->state); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
