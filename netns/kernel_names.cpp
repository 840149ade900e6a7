// libnl-route-3 keeps the kernel's constant-to-name tables (and /etc/iproute2's custom
// names): we use it for exactly that, not for requests.
#include "netns/kernel_names.hpp"

#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/utils.h>

namespace mr::netns {

std::string scope_name(uint8_t scope) {
  char buf[32];
  return rtnl_scope2str(scope, buf, sizeof buf);
}

std::string route_protocol_name(uint8_t protocol) {
  char buf[32];
  return rtnl_route_proto2str(protocol, buf, sizeof buf);
}

std::string operstate_name(uint8_t operstate) {
  char buf[32];
  return rtnl_link_operstate2str(operstate, buf, sizeof buf);
}

std::string family_name(int family) {
  char buf[32];
  return nl_af2str(family, buf, sizeof buf);
}

}  // namespace mr::netns
