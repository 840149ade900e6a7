#include "runtime/cli.hpp"
#include "runtime/container.hpp"

namespace mr::runtime {

Command add_delete_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("delete", "delete a stopped container (or any, with --force)");
  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("container-id", *id)->required();
  sub->add_flag("-f,--force", *force, "kill the container first if it still runs");
  return {sub, [&g, id, force] {
            auto dir = state_dir(g, *id);
            if (!dir) return report(dir.error());
            if (auto r = delete_container(*dir, *force); !r) {
              // runc: deleting a missing container with --force is not an error.
              if (*force && r.error().err == ENOENT) return 0;
              return report(r.error());
            }
            return 0;
          }};
}

}  // namespace mr::runtime
