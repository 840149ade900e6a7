// ps: the processes of a container's cgroup, as runc prints them (a JSON array of pids
// with --format json, else ps -ef's table).
#include <iostream>
#include <nlohmann/json.hpp>

#include "runtime/cli.hpp"
#include "runtime/ps_table.hpp"

namespace mr::runtime {

Command add_ps_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("ps", "list the processes of a container");
  struct Flags {
    std::string id;
    std::string format = "table";
    std::vector<std::string> ps_args;
  };
  auto f = std::make_shared<Flags>();
  sub->add_option("container-id", f->id)->required();
  sub->add_option("-f,--format", f->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("ps-options", f->ps_args, "runc passes these to ps; not supported here");
  return {sub, [&g, f] {
            if (!f->ps_args.empty())
              return report(sys_error(ENOTSUP, "ps options are not supported: mini-runc runs no ps program"));
            auto c = load_container(g, f->id);
            if (!c) return report(c.error());
            if (c->state.cgroups.empty())
              return report(sys_error(ENOTSUP, "container \"" + f->id + "\" has no cgroup to list processes from"));
            auto pids = cgroup_pids(c->state.cgroups);
            if (!pids) return report(pids.error());
            if (f->format == "json")
              std::cout << nlohmann::json(*pids).dump() << "\n";
            else
              std::cout << render_ps_table(*pids);
            return 0;
          }};
}

}  // namespace mr::runtime
