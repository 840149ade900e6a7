#include <sys/stat.h>

#include "hooks/hook.hpp"
#include "base/dir_lock.hpp"
#include "base/log.hpp"
#include "network/network_resolve.hpp"
#include "network/service.hpp"
#include "oci/config_loader.hpp"
#include "oci/json_input.hpp"
#include "netspec/network_loader.hpp"

namespace mr::hooks {

namespace {

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return fail(errno, "create " + path);
  return {};
}

// The namespace of the state's pid; a failure names the state's field.
Result<netns::Netns> open_container(pid_t pid) {
  auto ns = network::open_container_namespace(pid);
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
  {
    auto host = MR_TRY_VALUE(network::open_host());
    MR_TRY(network::resolve_networks(spec, opts.network_dir, host));
  }

  auto container = MR_TRY_VALUE(open_container(state.pid));
  MR_TRY(network::refuse_callers_namespace(container, state.id, state.pid));
  // The service's rule for a namespace joined by path (network::place()): with nothing
  // to configure it is left alone, and no state is kept for undo to find.
  bool joined = network::joins_network_namespace(config);
  if (!network::place(joined, spec.net).configure) {
    for (const auto& w : diag.warnings) log_warn(w);
    for (const auto& n : diag.notes) log_debug(n);
    log_debug("network: a namespace joined by path, nothing to configure: left alone");
    return {};
  }
  // The directory is the claim on the container: a second configure finds it and stops
  // before looking at the host, where the first one's changes would read as conflicts.
  if (::mkdir(opts.root.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno, "create " + opts.root);
  MR_TRY(network::share_pin_directory(opts.root));
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
  auto done = record_process(where, state.pid);
  if (done) {
    auto applied = network::set_up(spec.net, container, {.container_id = state.id, .where = where, .joined_by_path = joined});
    if (!applied) done = std::unexpected(std::move(applied).error());
    else
      for (const auto& line : network::describe_ready(*applied)) log_debug("network: " + line);
  }
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
