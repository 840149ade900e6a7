#include "runtime/network.hpp"

#include "netns/container_network.hpp"
#include "netns/namespace.hpp"
#include "network/network_prepare.hpp"
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
  if (!ctx.own_netns) {
    // A namespace joined by path is its owner's: configure nothing in it.
    if (network::configures_devices(net))
      return fail_input("/linux/namespaces", "a network spec needs the container's own network namespace, "
                                                    "not one joined by path");
    return {};
  }
  auto ns = MR_TRY_VALUE(netns::Netns::open_pid(ctx.pid));
  auto applied = MR_TRY_VALUE(netns::setup_container_network(net, ns, ctx.where(), {.container_id = ctx.id}));
  for (const auto& d : applied.devices)
    log_debug("network: " + d.name + (d.host_name.empty() ? "" : " (host " + d.host_name + ")") + " ready");
  return {};
}

Result<netns::ReachedNetwork> reach_network(const ContainerNetContext& ctx) {
  return netns::reach_container_network(ctx.where());
}

Result<void> teardown_network(const ContainerNetContext& ctx, netns::ReachedNetwork* reached, bool forget) {
  if (ctx.state_dir.empty()) return {};
  // Every caller has seen the container's init exit (or killed it, or knows it never ran).
  auto report = MR_TRY_VALUE(netns::teardown_container_network(
      ctx.where(), {.container_gone = true, .reached = reached, .forget_out_of_reach = forget}));
  for (const auto& d : report.returned)
    if (d.fallback) log_warn(d.host_name + " returned to the host as " + d.name + ": its name was taken");
  for (const auto& w : report.warnings) log_warn(w.message());
  for (const auto& d : report.forgotten)
    log_warn("container \"" + ctx.id + "\": gave up " + d + ": its network namespace is out of reach; the kernel "
             "deals with " + d + " when that namespace ends");
  return {};
}

}  // namespace mr::runtime
