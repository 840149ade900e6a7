#include "runtime/cli.hpp"

#include <climits>
#include <cstdlib>

#include "oci/config_loader.hpp"
#include "oci/json_input.hpp"
#include "base/state_root.hpp"
#include "oci/container_id.hpp"
#include "network/service.hpp"
#include "base/log.hpp"

namespace mr::runtime {

int report(const Error& e) {
  log_error(e);
  return 1;
}

void log_diagnostics(const oci::Diagnostics& diag) {
  for (const auto& w : diag.warnings) log_warn(w);
  for (const auto& n : diag.notes) log_debug(n);
}

Result<StateDir> state_dir(const GlobalOptions& g, const std::string& id) {
  MR_TRY(oci::check_container_id(id));
  MR_TRY(check_state_root(g.root));
  return StateDir{g.root, id};
}

Result<Loaded> load_container(const GlobalOptions& g, const std::string& id) {
  auto dir = MR_TRY_VALUE(state_dir(g, id));
  auto st = MR_TRY_VALUE(load_state(dir));
  return Loaded{std::move(dir), std::move(st)};
}

Result<std::string> absolute_bundle(const std::string& bundle) {
  std::string b = bundle.empty() ? "." : bundle;
  char buf[PATH_MAX];
  if (!::realpath(b.c_str(), buf)) return fail(errno, "bundle " + b);
  return std::string(buf);
}

Result<oci::Config> load_bundle_config(const std::string& bundle, std::string* text) {
  oci::Diagnostics diag;
  std::string file = bundle + "/config.json";
  std::string read = MR_TRY_VALUE(oci::read_input_file(file));
  auto cfg = oci::parse_config(read, file, diag);
  if (text) *text = std::move(read);
  log_diagnostics(diag);
  return cfg;
}

Result<netspec::NetworkSpec> load_bundle_network(const std::string& bundle, const oci::Config& cfg,
                                                    const std::optional<std::string>& network_file,
                                                    const std::string& network_dir) {
  oci::Diagnostics diag;
  auto spec = network::prepare_network(bundle, cfg, network_file, network_dir, diag);
  log_diagnostics(diag);
  return spec;
}

void add_create_flags(CLI::App& sub, CreateFlags& f) {
  sub.add_option("container-id", f.id, "the container's id")->required();
  sub.add_option("-b,--bundle", f.bundle, "the bundle directory (default: the current directory)");
  sub.add_option("--network", f.network,
                 "the network spec (default: the bundle's network.json, else the annotation org.mini-runc.network)");
  sub.add_option("--pid-file", f.pid_file, "write the container's pid to this file");
  sub.add_option("--console-socket", f.console_socket, "unix socket to receive the terminal's master fd");
  sub.add_option("--preserve-fds", f.preserve_fds, "pass this many fds beyond stdio (3, 4, ...)")
      ->check(CLI::NonNegativeNumber);
  sub.add_flag("--no-pivot", f.no_pivot, "accepted for runc compatibility; pivot_root is always used");
  sub.add_flag("--no-new-keyring", f.no_new_keyring, "accepted for runc compatibility");
}

}  // namespace mr::runtime
