#include "netns/inspect.hpp"

#include "netns/container_network.hpp"
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

Result<std::optional<LinkInfo>> link_of_step(NlSocket& host, NlSocket& ctr, const UndoStep& step) {
  if (auto* r = std::get_if<ReturnLink>(&step)) return if_kind(find_link_index(ctr, r->ctr_index), r->kind);
  if (auto* v = std::get_if<DeleteVeth>(&step)) {
    // The host end's IFLA_LINK is its peer's index in the container.
    auto end = MR_TRY_VALUE(if_kind(find_link(host, v->host_name), "veth"));
    if (!end || !end->parent_elsewhere) return std::optional<LinkInfo>();
    return if_kind(find_link_index(ctr, end->parent), "veth");
  }
  return if_kind(find_link(ctr, std::get<DeleteMacvlan>(step).ctr_name), "macvlan");
}

Result<ContainerNetworkView> inspect_network(NlSocket& host, NlSocket& ctr, const Journal& journal) {
  auto snap = MR_TRY_VALUE(take_snapshot(ctr));
  ContainerNetworkView view;
  for (auto& link : snap.links) view.links.push_back({link, snap.addresses_of(link.index), {}});
  for (const JournalEntry* e : journal.pending()) {
    auto link = MR_TRY_VALUE(link_of_step(host, ctr, e->step));
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
  return inspect_network(net.host, net.container_nl, net.journal);
}

}  // namespace mr::netns
