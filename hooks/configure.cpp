#include <sys/stat.h>

#include "hooks/hook.hpp"
#include "netns/container_network.hpp"
#include "base/dir_lock.hpp"
#include "base/log.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "oci/config_loader.hpp"
#include "network/host_check.hpp"
#include "oci/json_input.hpp"
#include "netspec/network_loader.hpp"
#include "network/network_prepare.hpp"

namespace mr::hooks {

namespace {

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return fail(errno, "create " + path);
  return {};
}

// Checks the host, then applies, for a container whose directory is claimed.
Result<void> apply_claimed(const netns::NetConfig& net, const netns::Netns& container,
                           const netns::ContainerNetworkDir& where, const netns::SetupOptions& opts) {
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  MR_TRY(network::require_host(host, net));
  auto applied = MR_TRY_VALUE(netns::setup_container_network(net, container, where, opts));
  for (const auto& d : applied.devices)
    log_debug("network: " + d.name + (d.host_name.empty() ? "" : " (host " + d.host_name + ")") + " ready");
  return {};
}

// The namespace of the state's pid; a failure names the state's field.
Result<netns::Netns> open_container(pid_t pid) {
  auto ns = netns::Netns::open_pid(pid);
  if (ns) return ns;
  Error e = std::move(ns).error();
  if (e.err == ENOENT) e = std::move(e).wrap("process " + std::to_string(pid) + " is gone");
  e.file = kStateFile;
  e.pointer = "/pid";
  return std::unexpected(std::move(e));
}

}  // namespace

Stage stage_for(const HookOptions& opts, const oci::State& state) {
  if (opts.stage != Stage::automatic) return opts.stage;
  return state.status == "stopped" ? Stage::undo : Stage::configure;
}

Result<void> configure(const HookOptions& opts, const oci::State& state) {
  if (state.pid <= 0)
    return std::unexpected(oci::input_error(kStateFile, "/pid", "configuring needs the container's pid; the state has none"));
  if (state.bundle.empty())
    return std::unexpected(oci::input_error(kStateFile, "/bundle", "configuring needs the bundle; the state has none"));

  oci::Diagnostics diag;
  auto config = MR_TRY_VALUE(oci::load_config(state.bundle, diag, oci::ConfigUse::network));
  std::optional<std::string> network_file = opts.network_file;
  if (network_file && !network_file->starts_with("/")) *network_file = state.bundle + "/" + *network_file;
  auto spec = MR_TRY_VALUE(netspec::load_network_spec(state.bundle, config, network_file, diag));

  auto container = MR_TRY_VALUE(open_container(state.pid));
  auto own = MR_TRY_VALUE(netns::Netns::current());
  if (MR_TRY_VALUE(container.inode()) == MR_TRY_VALUE(own.inode()))
    return fail(EINVAL, "container " + state.id + " (pid " + std::to_string(state.pid) +
                                   ") shares the runtime's network namespace; give it its own with a "
                                   "\"network\" entry in linux.namespaces");
  // The directory is the claim on the container: a second configure finds it and stops
  // before looking at the host, where the first one's changes would read as conflicts.
  if (::mkdir(opts.root.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno, "create " + opts.root);
  MR_TRY(netns::Netns::share_pin_directory(opts.root));
  auto where = container_dir(opts, state.id);
  if (auto made = make_dir(where.dir); !made) {
    if (made.error().err == EEXIST)
      return fail(EEXIST, "container " + state.id + " is configured already (" + where.dir +
                                     "); run the poststop stage first");
    return made;
  }
  // An attach that finds the directory before the pin is there says it is not set up; one
  // that comes later waits for the whole configure.
  auto lock = MR_TRY_VALUE(lock_directory(where.dir));
  netns::SetupOptions setup{.container_id = state.id, .shared = oci::joins_namespace(config, "network")};
  auto done = record_process(where, state.pid);
  if (done) done = apply_claimed(spec.net, container, where, setup);
  if (!done) {
    (void)forget_process(where);
    ::rmdir(where.dir.c_str());  // fails, and so keeps the dir, when a rollback left what undo needs
    return done;
  }
  // Only now: a failure is reported in one line, and the warnings would bury it.
  for (const auto& w : diag.warnings) log_warn(w);
  for (const auto& n : diag.notes) log_debug(n);
  return {};
}

}  // namespace mr::hooks
