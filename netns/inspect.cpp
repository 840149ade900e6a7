#include "netns/inspect.hpp"

#include "netns/container_network.hpp"
#include "netns/device_recipe.hpp"
#include "netns/snapshot.hpp"

namespace mr::netns {

Result<std::optional<LinkInfo>> link_of_step(LentPlaces& at, const UndoStep& step) {
  return std::visit([&](const auto& record) { return find_live(record, at); }, step);
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
      if (shown.link.index == link->index) {
        auto origin = [&](const auto& record) { return origin_of(record, host, shown.link); };
        shown.origin = MR_TRY_VALUE(std::visit(origin, e->step));
        shown.origin.journal_seq = e->seq;
      }
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
