// attach, detach and show on a container the hook configured: found by ROOT/ID and its
// pinned namespace, changed under ROOT/ID's lock.
#include "base/dir_lock.hpp"
#include "cli/network_view_table.hpp"
#include "hooks/hook.hpp"
#include "network/service.hpp"
#include "netspec/network_view_json.hpp"
#include "oci/container_id.hpp"

namespace mr::hooks {

namespace {

struct Configured {
  UniqueFd lock;  // held until the command is done
  netns::ContainerNetworkDir where;
};

// Waits for a configure or undo under way to finish: an undo removes ROOT/ID, and then
// there is nothing to attach to.
Result<Configured> open_configured(const HookOptions& opts, const std::string& id, const std::string& command) {
  MR_TRY_CTX(oci::check_container_id(id), command);
  auto lock = lock_directory(container_dir(opts, id).dir);
  if (!lock && lock.error().err == ENOENT)
    return fail(0, command + ": no container \"" + id + "\" configured by netns-hook (nothing in " +
                              opts.root + ")");
  if (!lock) return std::unexpected(std::move(lock).error().wrap(command));
  return Configured{std::move(*lock), container_dir(opts, id, true)};
}

}  // namespace

netns::ContainerNetworkDir container_dir(const HookOptions& opts, const std::string& id, bool with_process) {
  netns::ContainerNetworkDir where{opts.root + "/" + id};
  // Read only under the lock, from a directory open_state_dir() accepted.
  if (with_process) where.init = recorded_process(where);
  return where;
}

Result<netns::AppliedDevice> attach(const HookOptions& opts, const cli::AttachFlags& f) {
  auto device = MR_TRY_VALUE(cli::device_from_flags(f, "attach"));
  auto ctr = MR_TRY_VALUE(open_configured(opts, f.id, "attach"));
  MR_TRY(require_process(ctr.where, f.id, "attach"));
  return network::attach(ctr.where, device, f.id, opts.root, opts.network_dir);
}

Result<network::Detached> detach(const HookOptions& opts, const cli::DetachFlags& f) {
  auto ctr = MR_TRY_VALUE(open_configured(opts, f.id, "detach"));
  MR_TRY(require_process(ctr.where, f.id, "detach"));
  return network::detach(ctr.where, f.name);
}

Result<std::string> show(const HookOptions& opts, const cli::ShowFlags& f) {
  auto ctr = MR_TRY_VALUE(open_configured(opts, f.id, "show"));
  auto view = MR_TRY_VALUE(network::show(ctr.where));
  return f.json ? netspec::render_network_view(view) : cli::render_network_table(view);
}

}  // namespace mr::hooks
