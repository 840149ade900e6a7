#include "oci/hook_check.hpp"
#include "oci/joined_namespaces.hpp"
#include "runtime/cli.hpp"
#include "runtime/container.hpp"
#include "base/log.hpp"

namespace mr::runtime {

// create and run: the id, the bundle and its config, then create_container.
Result<State> create_from_flags(const GlobalOptions& g, const CreateFlags& f) {
  auto dir = MR_TRY_VALUE(state_dir(g, f.id));
  std::string bundle = MR_TRY_VALUE(absolute_bundle(f.bundle));
  std::string config_text;
  auto cfg = MR_TRY_VALUE(load_bundle_config(bundle, &config_text));
  if (auto hooks = oci::check_hook_paths(cfg.hooks, bundle + "/config.json"); !hooks.empty())
    return std::unexpected(std::move(hooks.front()));
  if (auto joined = oci::check_joined_namespaces(cfg, bundle + "/config.json"); !joined.empty())
    return std::unexpected(std::move(joined.front()));
  auto network = MR_TRY_VALUE(load_bundle_network(bundle, cfg, f.network, g.network_dir));
  if (f.no_pivot) log_warn("--no-pivot is ignored: mini-runc always uses pivot_root");
  if (!f.console_socket.empty() && !cfg.process.terminal)
    log_debug("--console-socket is unused: process.terminal is false");
  CreateRequest req{.dir = dir, .bundle = bundle, .config = &cfg, .network = &network, .preserve_fds = f.preserve_fds,
                    .console_socket = f.console_socket, .pid_file = f.pid_file, .config_text = std::move(config_text),
                    .cgroup_driver = MR_TRY_VALUE(cgroup_driver(g.systemd_cgroup, g.cgroup_manager))};
  return create_container(req);
}

Command add_create_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("create", "create a container; its process waits for start");
  auto f = std::make_shared<CreateFlags>();
  add_create_flags(*sub, *f);
  return {sub, [&g, f] {
            if (auto st = create_from_flags(g, *f); !st) return report(st.error());
            return 0;
          }};
}

}  // namespace mr::runtime
