#include "runtime/cli.hpp"
#include "runtime/container.hpp"
#include "runtime/signals.hpp"

namespace mr::runtime {

namespace {

struct KillFlags {
  std::string id;
  std::string signal = "SIGTERM";
  bool all = false;
};

}  // namespace

Command add_kill_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("kill", "send a signal to the container's init");
  auto f = std::make_shared<KillFlags>();
  sub->add_option("container-id", f->id)->required();
  sub->add_option("signal", f->signal, "name (TERM, SIGTERM) or number (default SIGTERM)");
  sub->add_flag("-a,--all", f->all, "signal every process in the container");
  return {sub, [&g, f] {
            auto sig = parse_signal(f->signal);
            if (!sig) return report(sig.error());
            auto c = load_container(g, f->id);
            if (!c) return report(c.error());
            if (auto r = kill_container(c->dir, c->state, *sig, f->all); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
