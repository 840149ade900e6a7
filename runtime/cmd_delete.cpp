#include <sys/stat.h>

#include "runtime/cli.hpp"
#include "runtime/container.hpp"

namespace mr::runtime {

Command add_delete_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("delete", "delete a stopped container (or any, with --force)");
  auto id = std::make_shared<std::string>();
  auto opts = std::make_shared<DeleteOptions>();
  sub->add_option("container-id", *id)->required();
  auto* force = sub->add_flag("-f,--force", opts->force,
                              "kill the container first if it still runs; remove what a create that died left");
  sub->add_flag("--forget-network", opts->forget_network,
                "with --force: when the container's network namespace is out of reach (its pin made in another "
                "mount namespace, its init gone), remove it anyway and give up the devices lent to it, a warning "
                "naming each")
      ->needs(force);
  return {sub, [&g, id, opts] {
            auto dir = state_dir(g, *id);
            if (!dir) return report(dir.error());
            if (auto r = delete_container(*dir, *opts); !r) {
              // runc: deleting a missing container with --force is not an error.
              struct stat sb{};
              if (opts->force && r.error().err == ENOENT && ::lstat(dir->path().c_str(), &sb) != 0) return 0;
              return report(r.error());
            }
            return 0;
          }};
}

}  // namespace mr::runtime
