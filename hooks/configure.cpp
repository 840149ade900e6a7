#include <sys/stat.h>

#include <cstdio>

#include "hooks/hook.hpp"
#include "netns/container_network.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "oci/config_loader.hpp"
#include "oci/network_prepare.hpp"

namespace mr::hooks {

namespace {

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return netns::fail(errno, "create " + path);
  return {};
}

}  // namespace

Stage stage_for(const HookOptions& opts, const oci::State& state) {
  if (opts.stage != Stage::automatic) return opts.stage;
  return state.status == "stopped" ? Stage::undo : Stage::configure;
}

Result<void> configure(const HookOptions& opts, const oci::State& state) {
  if (state.pid <= 0) return netns::fail_input("/pid", "configuring needs the container's pid; the state has none");
  if (state.bundle.empty()) return netns::fail_input("/bundle", "configuring needs the bundle; the state has none");

  oci::Diagnostics diag;
  auto config = MR_TRY_VALUE(oci::load_config(state.bundle, diag));
  std::optional<std::string> network_file = opts.network_file;
  if (network_file && !network_file->starts_with("/")) *network_file = state.bundle + "/" + *network_file;
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  auto spec = MR_TRY_VALUE(oci::prepare_network(state.bundle, config, network_file, state.id, host, diag));
  for (const auto& w : diag.warnings) std::fprintf(stderr, "netns-hook: warning: %s\n", w.message().c_str());

  auto container = MR_TRY_VALUE(netns::Netns::open_pid(state.pid));
  auto own = MR_TRY_VALUE(netns::Netns::current());
  if (MR_TRY_VALUE(container.inode()) == MR_TRY_VALUE(own.inode()))
    return netns::fail(EINVAL, "container " + state.id + " (pid " + std::to_string(state.pid) +
                                   ") shares the runtime's network namespace; give it its own with a "
                                   "\"network\" entry in linux.namespaces");

  // The directory is the claim on the container: a second configure finds it and stops.
  if (::mkdir(opts.root.c_str(), 0700) != 0 && errno != EEXIST) return netns::fail(errno, "create " + opts.root);
  netns::ContainerNetworkDir where{opts.root + "/" + state.id};
  if (auto made = make_dir(where.dir); !made) {
    if (made.error().err == EEXIST)
      return netns::fail(EEXIST, "container " + state.id + " is configured already (" + where.dir +
                                     "); run the poststop stage first");
    return made;
  }
  auto applied = netns::setup_container_network(spec.net, container, where, {.container_id = state.id});
  if (!applied) {
    ::rmdir(where.dir.c_str());  // left only if rollback could not finish: then undo needs it
    return std::unexpected(std::move(applied).error());
  }
  return {};
}

}  // namespace mr::hooks
