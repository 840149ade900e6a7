#include "netns/detach.hpp"

#include "netns/inspect.hpp"

namespace mr::netns {

Result<DetachedDevice> detach_device(const ContainerNetworkDir& where, std::string_view name) {
  auto net = MR_TRY_VALUE(open_container_network(where));
  const JournalEntry* found = nullptr;
  auto at = net.places();
  for (const JournalEntry* e : net.journal.pending()) {
    auto link = MR_TRY_VALUE(link_of_step(at, e->step));
    if (link && link->name == name) {
      found = e;
      break;
    }
  }
  if (!found)
    return fail(ENODEV, "detach " + std::string(name) + ": no device of that name was attached to the container in " +
                            where.dir);
  uint64_t seq = found->seq;
  bool moved = std::holds_alternative<ReturnLink>(found->step);
  auto targets = net.undo_targets();
  auto report = undo_steps(net.journal, targets, {seq});
  if (!report.failures.empty()) return std::unexpected(std::move(report.failures.front()).wrap("detach " + std::string(name)));
  DetachedDevice out{std::string(name), "", false, std::move(report.warnings)};
  if (moved && !report.returned.empty()) {
    out.host_name = report.returned.front().name;
    out.fallback = report.returned.front().fallback;
  }
  return out;
}

}  // namespace mr::netns
