#include "netns/inspect.hpp"

#include "netns/container_network.hpp"
#include "netns/nsid.hpp"
#include "netns/snapshot.hpp"

namespace mr::netns {

namespace {

// A link of another kind under the name or index is not the one the journal means.
Result<std::optional<LinkInfo>> if_kind(Result<std::optional<LinkInfo>> link, const std::string& kind) {
  if (!link) return std::unexpected(std::move(link).error());
  if (!*link || (*link)->kind != kind) return std::optional<LinkInfo>();
  return link;
}

// A lookup by index that finds nothing is an answer, not a failure.
Result<std::optional<LinkInfo>> find_link_index(NlSocket& s, int index) {
  auto link = get_link(s, index);
  if (!link && link.error().err == ENODEV) return std::optional<LinkInfo>();
  if (!link) return std::unexpected(std::move(link).error());
  return std::optional<LinkInfo>(std::move(*link));
}

Result<LinkOrigin> origin_of(NlSocket& host, const JournalEntry& e, const LinkInfo& link) {
  LinkOrigin o;
  o.journal_seq = e.seq;
  if (auto* r = std::get_if<ReturnLink>(&e.step)) {
    o.source = LinkSource::moved;
    o.host_name = r->host_name;
  } else if (auto* v = std::get_if<DeleteVeth>(&e.step)) {
    o.source = LinkSource::veth;
    o.host_name = v->host_name;
    auto end = MR_TRY_VALUE(get_link(host, v->host_name));
    if (end.master) o.bridge = MR_TRY_VALUE(get_link(host, end.master)).name;
    for (auto& a : MR_TRY_VALUE(capture_addresses(host, end.index))) o.host_addresses.push_back(a.prefix);
  } else {
    o.source = LinkSource::macvlan;
    // IFLA_LINK names the parent by its index in the parent's namespace: the host's,
    // where apply() made it.
    if (link.parent_elsewhere && link.parent) {
      auto parent = MR_TRY_VALUE(find_link_index(host, link.parent));
      if (parent) o.host_name = parent->name;
    }
  }
  return o;
}

}  // namespace

Result<std::optional<LinkInfo>> link_of_step(LentPlaces& at, const UndoStep& step) {
  NlSocket& ctr = *at.container_nl;
  if (auto* r = std::get_if<ReturnLink>(&step)) {
    auto w = MR_TRY_VALUE(locate(*r, at));
    if (w.place != Place::container) return std::optional<LinkInfo>();
    return find_link_index(ctr, w.index);
  }
  if (auto* v = std::get_if<DeleteVeth>(&step)) {
    auto ends = MR_TRY_VALUE(our_veth(at.host, *at.container, v->host_name));
    if (!ends) return std::optional<LinkInfo>();
    return if_kind(find_link_index(ctr, ends->container_index), "veth");
  }
  const auto& m = std::get<DeleteMacvlan>(step);
  auto link = MR_TRY_VALUE(if_kind(find_link(ctr, m.ctr_name), "macvlan"));
  if (!link || !link->parent_elsewhere || (m.parent_index > 0 && link->parent != m.parent_index))
    return std::optional<LinkInfo>();
  if (link->link_netnsid != MR_TRY_VALUE(nsid_of(ctr, at.host_ns))) return std::optional<LinkInfo>();
  return link;
}

Result<ContainerNetworkView> inspect_network(LentPlaces& at, const Journal& journal) {
  NlSocket& host = at.host;
  auto snap = MR_TRY_VALUE(take_snapshot(*at.container_nl));
  ContainerNetworkView view;
  for (auto& link : snap.links) view.links.push_back({link, snap.addresses_of(link.index), {}});
  for (const JournalEntry* e : journal.pending()) {
    auto link = MR_TRY_VALUE(link_of_step(at, e->step));
    if (!link) continue;
    for (auto& shown : view.links)
      if (shown.link.index == link->index)
        shown.origin = MR_TRY_VALUE(origin_of(host, *e, shown.link));
  }
  view.routes = std::move(snap.routes);
  return view;
}

Result<ContainerNetworkView> show_container_network(const ContainerNetworkDir& where) {
  auto net = MR_TRY_VALUE(open_container_network(where));
  auto at = net.places();
  return inspect_network(at, net.journal);
}

}  // namespace mr::netns
