// `net show` JSON (netspec/network_view_json.hpp) less what may legitimately differ between
// two containers built from the same spec, so that the two can be compared whole.
#pragma once

#include <nlohmann/json.hpp>

namespace mr::test {

// Drops:
// - "index": ifindexes are handed out per namespace (a moved device keeps its host index,
//   a veth or macvlan gets the next free one); routes name devices by name, not index;
// - "operstate": carrier and linkwatch settle at their own pace after a link comes up;
// - IPv6 link-local addresses and the fe80::/64 routes: the kernel adds them from its
//   addrconf work after the link is up, whenever that runs;
// and sorts links, addresses and routes, since the kernel lists them in the order they
// were made.
nlohmann::ordered_json comparable_view(nlohmann::ordered_json view);

}  // namespace mr::test
