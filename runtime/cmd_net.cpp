#include "runtime/cmd_net.hpp"

#include <memory>
#include <vector>

#include "network/service.hpp"

namespace mr::runtime {

Result<LiveNetwork> open_live_network(const GlobalOptions& g, const std::string& id, std::string_view command) {
  std::string cmd(command);
  auto dir = MR_TRY_VALUE(state_dir(g, id));
  // Taken before the state is read: a delete that had the lock first has removed it.
  auto lock = lock_state_dir(dir);
  if (!lock && lock.error().err == ENOENT) return fail(0, cmd + ": no container \"" + id + "\"");
  if (!lock) return std::unexpected(std::move(lock).error().wrap(cmd));
  auto st = MR_TRY_VALUE(load_state(dir));
  Status status = current_status(dir, st);
  std::string what = cmd + ": container \"" + id + "\"";
  if (status != Status::created && status != Status::running && status != Status::paused)
    return fail(0, what + " is " + to_string(status) + ", not created or running");
  LiveNetwork live{std::move(*lock), std::move(dir), std::move(st)};
  if (!network::administered(live.where(), !live.state.own_netns))
    return fail(0, what + " joined a network namespace by path: its network is not mini-runc's");
  return live;
}

Command add_net_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("net", "attach, detach, show or export a created or running container's network");
  sub->require_subcommand(1);
  auto commands = std::make_shared<std::vector<Command>>(std::vector<Command>{
      add_net_attach_command(*sub, g),
      add_net_detach_command(*sub, g),
      add_net_show_command(*sub, g),
      add_net_export_command(*sub, g),
  });
  return {sub, [commands] {
            for (auto& c : *commands)
              if (c.app->parsed()) return c.run();
            return 1;
          }};
}

}  // namespace mr::runtime
