// events: runc's `events --stats` (one {"type":"stats","id":...,"data":{...}} line) and
// the stream of them every --interval while the container lives.
#include <poll.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "runtime/cgroup_stats.hpp"
#include "runtime/cli.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

Command add_events_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("events", "print the container's resource usage (JSON lines)");
  struct Flags {
    std::string id;
    bool stats = false;
    int interval = 5;
  };
  auto f = std::make_shared<Flags>();
  sub->add_option("container-id", f->id)->required();
  sub->add_flag("--stats", f->stats, "print the statistics once and exit");
  sub->add_option("--interval", f->interval, "seconds between two statistics (default 5)")->check(CLI::PositiveNumber);
  return {sub, [&g, f] {
            auto c = load_container(g, f->id);
            if (!c) return report(c.error());
            const State& st = c->state;
            if (st.cgroups.empty())
              return report(sys_error(ENOTSUP, "container \"" + f->id + "\" has no cgroup to report on"));
            auto line = [&] {
              nlohmann::json j = {{"type", "stats"}, {"id", st.id}, {"data", cgroup_stats(st.cgroups)}};
              std::cout << j.dump() << std::endl;
            };
            auto init = open_process(st.pid, st.start_time);
            if (!init || !*init) return report(sys_error(ESRCH, "container \"" + f->id + "\" is not running"));
            line();
            if (f->stats) return 0;
            // Until the init exits: its pidfd becomes readable then, which ends the wait early.
            for (;;) {
              pollfd p{.fd = (*init)->get(), .events = POLLIN};
              int n = ::poll(&p, 1, f->interval * 1000);
              if (n < 0 && errno == EINTR) continue;
              if (n != 0) return 0;
              line();
            }
          }};
}

}  // namespace mr::runtime
