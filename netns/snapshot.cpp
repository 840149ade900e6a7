#include "netns/snapshot.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

namespace mr::netns {

const LinkInfo* NetnsSnapshot::link(std::string_view name) const {
  auto it = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.name == name; });
  return it == links.end() ? nullptr : &*it;
}

const LinkInfo* NetnsSnapshot::link(int index) const {
  auto it = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.index == index; });
  return it == links.end() ? nullptr : &*it;
}

std::vector<AddressInfo> NetnsSnapshot::addresses_of(int index) const {
  std::vector<AddressInfo> out;
  std::copy_if(addresses.begin(), addresses.end(), std::back_inserter(out),
               [&](const AddressInfo& a) { return a.index == index; });
  return out;
}

std::vector<Route> NetnsSnapshot::routes_of(int family) const {
  std::vector<Route> out;
  std::copy_if(routes.begin(), routes.end(), std::back_inserter(out),
               [&](const Route& r) { return r.family() == family; });
  return out;
}

Result<std::vector<LinkInfo>> list_links(NlSocket& s) {
  nl::Message m(RTM_GETLINK, 0);
  ifinfomsg ifi{};
  m.put(ifi);
  m.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<LinkInfo> out;
  MR_TRY_CTX(s.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) out.push_back(parse_link(h));
  }),
             "list links in " + s.where());
  return out;
}

Result<NetnsSnapshot> take_snapshot(NlSocket& s) {
  // A dump interrupted by a concurrent change (EAGAIN) is simply taken again.
  for (int attempt = 0;; ++attempt) {
    NetnsSnapshot snap;
    auto links = list_links(s);
    auto addresses = links ? list_addresses(s) : Result<std::vector<AddressInfo>>();
    auto routes = addresses ? list_routes(s) : Result<std::vector<Route>>();
    Error* err = !links ? &links.error() : !addresses ? &addresses.error() : !routes ? &routes.error() : nullptr;
    if (!err) {
      snap.links = std::move(*links);
      snap.addresses = std::move(*addresses);
      snap.routes = std::move(*routes);
      return snap;
    }
    if (err->err != EAGAIN || attempt == 3) return std::unexpected(std::move(*err).wrap("snapshot"));
  }
}

Result<LinkState> capture_link(NlSocket& s, std::string_view name) {
  LinkState state;
  state.link = MR_TRY_VALUE(get_link(s, name, [&](const nlmsghdr* h) { state.sysctls = parse_device_sysctls(h); }));
  state.addresses = MR_TRY_VALUE(capture_addresses(s, state.link.index));
  return state;
}

}  // namespace mr::netns
