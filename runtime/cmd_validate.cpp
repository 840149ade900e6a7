// validate: every problem of a bundle (config.json and its network spec, checked against
// the host's devices too), without running or changing anything.
#include <cstdio>

#include "network/service.hpp"
#include "network/bundle_check.hpp"
#include "runtime/cli.hpp"

namespace mr::runtime {

Command add_validate_command(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("validate", "check a bundle and its network spec without running anything");
  struct Flags {
    std::string bundle = ".";
    std::optional<std::string> network;
    bool no_host = false;
  };
  auto f = std::make_shared<Flags>();
  sub->add_option("-b,--bundle", f->bundle, "the bundle directory (default: the current directory)");
  sub->add_option("--network", f->network, "the network spec (default: as create finds it)");
  sub->add_flag("--no-host", f->no_host, "do not look the spec's host devices and bridges, or the hooks' files, up");
  return {sub, [f] {
            std::optional<netns::NlSocket> host;
            if (!f->no_host) {
              auto s = network::open_host();
              if (!s) return report(s.error());
              host = std::move(*s);
            }
            auto r = network::validate_bundle(f->bundle, f->network, host ? &*host : nullptr);
            log_diagnostics(r.diag);
            for (const auto& e : r.problems) report(e);
            if (!r.problems.empty()) return 1;
            std::printf("%s: valid\n", f->bundle.c_str());
            return 0;
          }};
}

}  // namespace mr::runtime
