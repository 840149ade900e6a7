#include "support/sandbox.hpp"

#include <unistd.h>

namespace mr::test {

Space Space::make() {
  auto ns = MUST(netns::Netns::create());
  auto nl = MUST(netns::NlSocket::open_in(ns));
  MUST(netns::set_link_up(nl, 1, true));  // lo is always index 1 in a new namespace
  return Space{std::move(ns), std::move(nl)};
}

bool Space::has_link(const std::string& name) { return MUST(netns::find_link(nl, name)).has_value(); }

static Space make_host() {
  if (geteuid() != 0)
    FAIL("integration tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run them as root");
  return Space::make();
}

Sandbox::Sandbox() : host_(make_host()) {}

netns::LinkInfo Sandbox::veth(const std::string& name, const std::string& peer) {
  MUST(netns::create_veth(host_.nl, {.name = name, .peer_name = peer, .settings = {.up = true},
                                     .peer_settings = {.up = true}}));
  return host_.link(name);
}

netns::LinkInfo Sandbox::bridge(const std::string& name) {
  // A bridge whose MAC nobody set takes its lowest port's MAC and drops to zeros when
  // its last port leaves; bridge managers set one, and so does the sandbox, so that a
  // port coming and going leaves the "host" unchanged.
  netns::MacAddress mac{{0x02, 0x42, 0, 0, 0, static_cast<uint8_t>(name.size())}};
  for (char c : name) mac.bytes[4] = static_cast<uint8_t>(mac.bytes[4] * 31 + c);
  MUST(netns::create_bridge(host_.nl, name, {.mac = mac, .up = true}));
  return host_.link(name);
}

}  // namespace mr::test
