#include "runtime/network.hpp"

#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::runtime {

Result<void> setup_network(ContainerNetContext& ctx) {
  if (!ctx.own_netns) return {};
  auto ns = MR_TRY_VALUE(netns::Netns::open_pid(ctx.pid));
  auto nl = MR_TRY_VALUE(netns::NlSocket::open_in(ns));
  // A new network namespace holds only its loopback, always ifindex 1, and down.
  MR_TRY_CTX(netns::set_link_up(nl, 1, true), "bring up lo in " + ns.name());
  MR_TRY(ns.pin(ctx.pin_path));
  return {};
}

Result<void> teardown_network(ContainerNetContext& ctx) {
  if (ctx.pin_path.empty()) return {};
  return netns::Netns::unpin(ctx.pin_path);
}

}  // namespace mr::runtime
