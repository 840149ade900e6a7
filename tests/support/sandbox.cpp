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
  MUST(netns::create_bridge(host_.nl, name, {.up = true}));
  return host_.link(name);
}

}  // namespace mr::test
