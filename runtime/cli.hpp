// The command line: runc's global flags and one subcommand per cmd_*.cpp file. Each
// add_*_command registers its flags and returns what to run when it was chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "netdef/network_store.hpp"
#include "oci/config.hpp"
#include "oci/diagnostics.hpp"
#include "netspec/network_spec.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

struct GlobalOptions {
  std::string root = kDefaultRoot;
  std::string network_dir{netdef::kDefaultNetworkDir};  // managed networks' definitions
  std::string log;
  std::string log_format = "text";
  bool debug = false;
  // Accepted so that engines written for runc can drive mini-runc; nothing to do.
  bool systemd_cgroup = false;
  std::string criu;
  std::string rootless;
  std::string cgroup_manager;  // cgroupfs, systemd or disabled (crun's flag); "" = by --systemd-cgroup
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_run_command(CLI::App& app, const GlobalOptions& g);
Command add_create_command(CLI::App& app, const GlobalOptions& g);
Command add_start_command(CLI::App& app, const GlobalOptions& g);
Command add_state_command(CLI::App& app, const GlobalOptions& g);
Command add_kill_command(CLI::App& app, const GlobalOptions& g);
Command add_exec_command(CLI::App& app, const GlobalOptions& g);
Command add_delete_command(CLI::App& app, const GlobalOptions& g);
Command add_list_command(CLI::App& app, const GlobalOptions& g);
Command add_spec_command(CLI::App& app, const GlobalOptions& g);
// net attach|detach|show|export (runtime/cmd_net*.cpp).
Command add_net_command(CLI::App& app, const GlobalOptions& g);
// network create|ls|inspect|rm|prune (runtime/cmd_network*.cpp).
Command add_network_command(CLI::App& app, const GlobalOptions& g);
Command add_validate_command(CLI::App& app, const GlobalOptions& g);
Command add_cleanup_command(CLI::App& app, const GlobalOptions& g);
// pause, resume (runtime/cmd_pause.cpp).
Command add_pause_command(CLI::App& app, const GlobalOptions& g);
Command add_resume_command(CLI::App& app, const GlobalOptions& g);
Command add_ps_command(CLI::App& app, const GlobalOptions& g);
Command add_update_command(CLI::App& app, const GlobalOptions& g);
Command add_events_command(CLI::App& app, const GlobalOptions& g);
Command add_features_command(CLI::App& app, const GlobalOptions& g);

// Helpers shared by the commands.

// Logs the error and returns exit status 1.
int report(const Error& e);
// A loader's warnings, and its notes under --debug.
void log_diagnostics(const oci::Diagnostics& diag);
// ROOT/ID after checking the id.
Result<StateDir> state_dir(const GlobalOptions& g, const std::string& id);
// A container's state directory and its saved state.
struct Loaded {
  StateDir dir;
  State state;
};
Result<Loaded> load_container(const GlobalOptions& g, const std::string& id);
// The bundle directory as an absolute path ("" = the current directory).
Result<std::string> absolute_bundle(const std::string& bundle);
// BUNDLE/config.json, logging the loader's warnings; the text it was read from goes to
// `text` when given.
Result<oci::Config> load_bundle_config(const std::string& bundle, std::string* text = nullptr);
// The bundle's network spec (--network, network.json, annotation; linux.netDevices),
// its managed networks resolved in `network_dir`, checked against the host before
// anything is made.
Result<netspec::NetworkSpec> load_bundle_network(const std::string& bundle, const oci::Config& cfg,
                                                    const std::optional<std::string>& network_file,
                                                    const std::string& network_dir);

// Flags create and run share.
struct CreateFlags {
  std::string id;
  std::string bundle;
  std::optional<std::string> network;  // --network FILE: the network spec
  std::string pid_file;
  std::string console_socket;
  int preserve_fds = 0;
  bool no_pivot = false;
  bool no_new_keyring = false;
};
void add_create_flags(CLI::App& sub, CreateFlags& f);

}  // namespace mr::runtime
