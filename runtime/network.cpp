#include "runtime/network.hpp"

#include "network/service.hpp"
#include "base/log.hpp"

namespace mr::runtime {

netns::ContainerNetworkDir ContainerNetContext::where() const {
  netns::ContainerNetworkDir w{state_dir};
  if (pid > 0) w.init = netns::RecordedProcess{pid, start_time};
  return w;
}

Result<void> setup_network(ContainerNetContext& ctx) {
  const netns::NetConfig empty;
  const netns::NetConfig& net = ctx.spec ? ctx.spec->net : empty;
  // The service decides what a namespace not of the container's own receives (place()).
  if (!network::place(!ctx.own_netns, net).configure) return {};
  auto ns = MR_TRY_VALUE(network::open_container_namespace(ctx.pid));
  if (!ctx.own_netns) MR_TRY(network::refuse_callers_namespace(ns, ctx.id, ctx.pid));
  // create checked the host when it loaded the spec (load_bundle_network()).
  auto applied = MR_TRY_VALUE(network::set_up(
      net, ns, {.container_id = ctx.id, .where = ctx.where(), .joined_by_path = !ctx.own_netns, .check_host = false}));
  for (const auto& line : network::describe_ready(applied)) log_debug("network: " + line);
  return {};
}

Result<netns::ReachedNetwork> reach_network(const ContainerNetContext& ctx) { return network::reach(ctx.where()); }

Result<void> teardown_network(const ContainerNetContext& ctx, netns::ReachedNetwork* reached, bool forget) {
  if (ctx.state_dir.empty()) return {};
  // Every caller has seen the container's init exit (or killed it, or knows it never ran).
  auto torn = MR_TRY_VALUE(network::tear_down({.container_id = "\"" + ctx.id + "\"",
                                                   .where = ctx.where(),
                                                   .container_gone = true,
                                                   .reached = reached,
                                                   .forget = forget}));
  for (const auto& w : torn.warnings) log_warn(w);
  for (const auto& n : torn.notes) log_debug("network: " + n);
  return {};
}

}  // namespace mr::runtime
