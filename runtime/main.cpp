// mini-runc: an OCI runtime with runc's command line.
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <vector>

#include "cli/cli_error.hpp"
#include "runtime/cli.hpp"
#include "base/log.hpp"

#ifndef MR_VERSION
#define MR_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  using namespace mr::runtime;
  // Fds the caller left open reach the container's process only if --preserve-fds names
  // them (its init clears FD_CLOEXEC on those), and never hooks or other children.
  (void)::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  CLI::App app{"mini-runc: an OCI container runtime with network isolation"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version",
                       std::string("mini-runc version ") + MR_VERSION + "\nspec: " + kOciVersion);
  GlobalOptions g;
  app.add_option("--root", g.root, "directory for container state (default /run/mini-runc)");
  app.add_option("--network-dir", g.network_dir,
                 "directory of the managed networks' definitions (default /etc/mini-runc/networks)");
  app.add_option("--log", g.log, "also write messages to this file");
  app.add_option("--log-format", g.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "print debug messages");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup,
               "read linux.cgroupsPath as slice:prefix:name and make the cgroup where systemd would put that "
               "scope (no systemd is asked)");
  app.add_option("--criu", g.criu, "accepted for runc compatibility; checkpointing is not supported");
  app.add_option("--rootless", g.rootless, "accepted for runc compatibility");
  // crun's option: podman passes "--cgroup-manager disabled" for --cgroups=disabled.
  app.add_option("--cgroup-manager", g.cgroup_manager,
                 "cgroupfs (default): make cgroups by linux.cgroupsPath; systemd: as --systemd-cgroup; "
                 "disabled: make no cgroups (linux.resources is then not applied, with a warning)")
      ->check(CLI::IsMember({"cgroupfs", "systemd", "disabled"}));
  std::vector<Command> commands = {
      add_run_command(app, g),    add_create_command(app, g), add_start_command(app, g),
      add_state_command(app, g),  add_kill_command(app, g),   add_delete_command(app, g),
      add_list_command(app, g),   add_spec_command(app, g),   add_net_command(app, g),
      add_network_command(app, g), add_validate_command(app, g),
      add_cleanup_command(app, g), add_exec_command(app, g),   add_pause_command(app, g),
      add_resume_command(app, g),  add_ps_command(app, g),     add_update_command(app, g),
      add_events_command(app, g),  add_features_command(app, g),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as "errors" whose exit code is 0 (CLI::Success).
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return mr::cli::report_parse_error("mini-runc", e, app);
  }
  mr::log_configure({.program = "mini-runc", .file = g.log, .json = g.log_format == "json", .debug = g.debug});
  for (auto& c : commands) {
    if (!c.app->parsed()) continue;
    int status = c.run();
    // All that is left is freeing this process's memory, which the kernel does at once;
    // the destructors of the command tree and the caches would walk all of it first.
    // Messages are written with write(2); only the standard streams hold output.
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(status);
  }
  return 1;
}
