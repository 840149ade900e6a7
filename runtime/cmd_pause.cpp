// pause and resume: freeze and thaw every process of a running container (its cgroup).
#include "runtime/cgroup_freezer.hpp"
#include "runtime/cli.hpp"
#include "runtime/container.hpp"

namespace mr::runtime {

namespace {

Command add_freeze_command(CLI::App& app, const GlobalOptions& g, bool frozen) {
  auto* sub = app.add_subcommand(frozen ? "pause" : "resume",
                                 frozen ? "suspend every process of the container (its cgroup's freezer)"
                                        : "resume the processes of a paused container");
  auto id = std::make_shared<std::string>();
  sub->add_option("container-id", *id)->required();
  return {sub, [&g, id, frozen] {
            auto c = load_container(g, *id);
            if (!c) return report(c.error());
            if (auto r = pause_container(c->dir, c->state, frozen); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace

Command add_pause_command(CLI::App& app, const GlobalOptions& g) { return add_freeze_command(app, g, true); }
Command add_resume_command(CLI::App& app, const GlobalOptions& g) { return add_freeze_command(app, g, false); }

}  // namespace mr::runtime
