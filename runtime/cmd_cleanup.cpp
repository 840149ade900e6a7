#include <iostream>

#include "oci/container_id.hpp"
#include "runtime/cli.hpp"
#include "runtime/container.hpp"
#include "base/log.hpp"

namespace mr::runtime {

// Not in runc, which leaves a crashed create's directory to `delete --force ID`: this
// finds every leftover under --root at once (for a boot script or an engine's start).
Command add_cleanup_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("cleanup",
                                 "remove what crashed containers left under --root: state of containers whose init "
                                 "is gone or whose create never finished, their pinned namespaces and network "
                                 "changes (devices return to the host, veths and macvlans go)");
  return {sub, [&g] {
            auto ids = list_containers(g.root);
            if (!ids) return report(ids.error());
            int code = 0;
            for (const auto& id : *ids) {
              // Names come from the directory, not from create: one that no create would
              // have made (a planted one) is refused, quoted escaped.
              if (auto ok = oci::check_container_id(id); !ok) {
                code = report(std::move(ok).error().wrap("clean up " + g.root));
                continue;
              }
              auto outcome = cleanup_container(StateDir{g.root, id});
              if (!outcome) {
                code = report(std::move(outcome).error().wrap("clean up container \"" + id + "\""));
                continue;
              }
              if (outcome->what == Cleanup::removed) std::cout << id << ": removed (" << outcome->why << ")\n";
              if (outcome->what == Cleanup::out_of_reach) {
                std::cout << id << ": not removed: " << outcome->why << "\n";
                code = 1;
              }
              if (outcome->what == Cleanup::busy) log_debug(id + ": left alone (" + outcome->why + ")");
            }
            return code;
          }};
}

}  // namespace mr::runtime
