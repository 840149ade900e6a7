// netns-hook's command line: options, the OCI state from stdin, one line on failure; or
// one of the subcommands attach, detach and show, which read no stdin.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "base/log.hpp"
#include "base/state_root.hpp"
#include "cli/cli_error.hpp"
#include "hooks/hook.hpp"
#include "oci/json_input.hpp"

namespace {

constexpr const char* kWiring = R"(
Wire it into a bundle's config.json (runc, crun): one entry serves both stages, since
the state's status tells them apart ("stopped" means undo):

  "hooks": {
    "createRuntime": [{"path": "/usr/local/bin/netns-hook",
                       "args": ["netns-hook", "--network", "network.json"]}],
    "poststop":      [{"path": "/usr/local/bin/netns-hook"}]
  }

createRuntime runs in the runtime's namespace once the container's namespaces exist;
"prestart" works the same way. The spec is, in this order: --network FILE (relative to
the bundle), the bundle's network.json, or the config.json annotation
"org.mini-runc.network" (a file name or the JSON itself). linux.netDevices is honoured.

For podman, save this as /etc/containers/oci/hooks.d/netns-hook.json (oci-hooks(5)):
it runs the hook for every container that carries the annotation, as in
`podman run --network none --annotation org.mini-runc.network=/etc/mini-runc/web.json ...`

  {
    "version": "1.0.0",
    "hook": {
      "path": "/usr/local/bin/netns-hook",
      "args": ["netns-hook"]
    },
    "when": {
      "annotations": {
        "^org\\.mini-runc\\.network$": ".+"
      }
    },
    "stages": ["prestart", "poststop"]
  }

Later, for a container it configured (before poststop), the administrator's hand of
`mini-runc net`, with the same arguments; poststop returns attached devices too:

  netns-hook [--root ROOT] attach ID HOSTDEV [--name NAME] [--address CIDR ...]
             [--keep-addresses] [--macvlan [--mode M]] [--veth --bridge BR]
  netns-hook [--root ROOT] detach ID NAME
  netns-hook [--root ROOT] show ID [--json]

Exit status: 0 on success; 1 with one line on stderr (file, JSON pointer, reason) when
anything is wrong, and then the host is left as it was.

Containers are kept under --root (a shared mount point, as `ip netns` makes /run/netns,
so that a poststop in another mount namespace sees the pin). If poststop still cannot
reach the container's network namespace (its pin made in a mount namespace it cannot
see, its process gone), it exits 1 naming the devices that would be lost and changes
nothing: run it where the pin is seen, or give them up with the same state and
--forget-network:

  echo '{"ociVersion": "1.0.2", "id": "ID", "status": "stopped"}' | netns-hook --forget-network)";

int report(const mr::Error& e) {
  mr::log_error(e);
  return 1;
}

// The stages a runtime runs, with the OCI state on stdin.
int run_stage(const mr::hooks::HookOptions& opts) {
  using namespace mr::hooks;
  auto text = mr::oci::read_input_stream(STDIN_FILENO, kStateFile, "the OCI state");
  if (!text) return report(text.error());
  auto state = mr::oci::parse_state(*text, kStateFile);
  if (!state) return report(state.error());
  Stage stage = stage_for(opts, *state);
  const char* name = stage == Stage::undo ? "undo" : "configure";
  mr::log_debug(std::string("state: container ") + state->id + ", status " + state->status + ", pid " +
                std::to_string(state->pid) + ", bundle " + state->bundle + "; stage " + name);
  if (opts.forget_network && stage != Stage::undo)
    return report(mr::sys_error(EINVAL, "--forget-network is for the undo stage (status \"stopped\")"));
  auto done = stage == Stage::undo ? undo(opts, *state) : configure(opts, *state);
  if (!done) return report(done.error());
  mr::log_debug(std::string(name) + ": container " + state->id + " done");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mr::hooks;
  HookOptions opts;
  CLI::App app{"netns-hook: mini-runc's network isolation as an OCI hook (state JSON on stdin)", "netns-hook"};
  app.footer(kWiring);
  std::string stage = "auto", log_format = "text";
  bool debug = false;
  auto* network = app.add_option("--network", opts.network_file, "network spec file (relative to the bundle)");
  auto* stage_opt = app.add_option("--stage", stage, "configure, undo, or auto (from the state's status)")
                        ->check(CLI::IsMember({"auto", "configure", "undo"}));
  app.add_option("--root", opts.root, "where configured containers are kept")->capture_default_str();
  app.add_option("--network-dir", opts.network_dir, "where the managed networks' definitions are")
      ->capture_default_str();
  app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", debug, "print debug lines: each step the hook takes");
  auto* forget = app.add_flag("--forget-network", opts.forget_network,
                              "undo: when the container's network namespace is out of reach, remove its state anyway "
                              "and give up the devices lent to it, a warning naming each");
  app.require_subcommand(0, 1);
  mr::cli::AttachFlags attach_flags;
  mr::cli::DetachFlags detach_flags;
  mr::cli::ShowFlags show_flags;
  auto* attach_cmd =
      app.add_subcommand("attach", "give a container the hook configured a host device, a macvlan or a veth");
  mr::cli::add_attach_flags(*attach_cmd, attach_flags);
  auto* detach_cmd = app.add_subcommand("detach", "give back a device attached to (or configured for) a container");
  mr::cli::add_detach_flags(*detach_cmd, detach_flags);
  auto* show_cmd = app.add_subcommand("show", "print a configured container's live links, addresses and routes");
  mr::cli::add_show_flags(*show_cmd, show_flags);
  for (auto* sub : {attach_cmd, detach_cmd, show_cmd}) {
    sub->excludes(network);
    sub->excludes(stage_opt);
    sub->excludes(forget);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives here too, as an "error" whose exit code is 0 (CLI::Success).
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return mr::cli::report_parse_error("netns-hook", e, app);
  }
  mr::log_configure({.program = "netns-hook", .json = log_format == "json", .debug = debug});
  opts.stage = stage == "configure" ? Stage::configure : stage == "undo" ? Stage::undo : Stage::automatic;
  if (auto ok = mr::check_state_root(opts.root); !ok) return report(ok.error());

  if (attach_cmd->parsed()) {
    auto done = attach(opts, attach_flags);
    if (!done) return report(done.error());
    mr::log_debug("attach: " + done->name + (done->host_name.empty() ? "" : " (host " + done->host_name + ")") +
                  " ready in container " + attach_flags.id);
    return 0;
  }
  if (detach_cmd->parsed()) {
    auto gone = detach(opts, detach_flags);
    if (!gone) return report(gone.error());
    if (gone->renamed) mr::log_warn("detach: " + *gone->renamed);
    for (const auto& w : gone->warnings) mr::log_warn("detach: " + w);
    mr::log_debug("detach: " + detach_flags.name + " given back by container " + detach_flags.id);
    return 0;
  }
  if (show_cmd->parsed()) {
    auto text = show(opts, show_flags);
    if (!text) return report(text.error());
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  return run_stage(opts);
}
