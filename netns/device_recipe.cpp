#include "netns/device_recipe.hpp"

namespace mr::netns {

Result<void> CreateContext::lease(uint64_t seq, int index, LeaseRole role, const std::string& device) {
  auto key = MR_TRY_VALUE(lease_key(targets.host, index));
  MR_TRY(journal.leased({seq, key.netns_cookie, key.ifindex, role, device}));
  return leases.claim(key, {journal.path(), seq, targets.container_id, device, role});
}

Result<void> CreateContext::drop(uint64_t seq) {
  MR_TRY(journal.done(seq));
  return release_lease(leases, journal, seq);
}

std::unexpected<Error> CreateContext::void_step(uint64_t seq, Error e) {
  if (auto r = drop(seq); !r) return std::unexpected(std::move(r).error());
  return std::unexpected(std::move(e));
}

Result<std::optional<LinkInfo>> find_link_index(NlSocket& s, int index) {
  auto link = get_link(s, index);
  if (!link && link.error().err == ENODEV) return std::optional<LinkInfo>();
  if (!link) return std::unexpected(std::move(link).error());
  return std::optional<LinkInfo>(std::move(*link));
}

Result<std::optional<LinkInfo>> if_kind(Result<std::optional<LinkInfo>> link, const std::string& kind) {
  if (!link) return std::unexpected(std::move(link).error());
  if (!*link || (*link)->kind != kind) return std::optional<LinkInfo>();
  return link;
}

}  // namespace mr::netns
