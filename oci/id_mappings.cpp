#include "oci/id_mappings.hpp"

#include <limits>

#include "oci/json_input.hpp"

namespace mr::oci {

namespace {

// The kernel refuses an extent whose first + count wraps (map_write(): "(extent.first +
// extent.count) <= extent.first"), so its last id is at most 2^32 - 2; 2^32 - 1 is
// (uid_t)-1, which no mapping can hold.
constexpr uint64_t kIdLimit = std::numeric_limits<uint32_t>::max();

std::string range(uint64_t first, uint64_t size) {
  return std::to_string(first) + "-" + std::to_string(first + size - 1);
}

bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) { return a < b + b_size && b < a + a_size; }

const Namespace* user_namespace(const Config& c, std::size_t& index) {
  for (index = 0; index < c.linux.namespaces.size(); ++index)
    if (c.linux.namespaces[index].type == "user") return &c.linux.namespaces[index];
  return nullptr;
}

}  // namespace

std::vector<IdMappingProblem> check_id_mappings(const std::vector<IdMapping>& list, const std::string& base) {
  std::vector<IdMappingProblem> out;
  if (list.size() > kMaxIdMappings) {
    out.push_back({base, "expected at most " + std::to_string(kMaxIdMappings) + " mappings, the kernel's limit (got " +
                             std::to_string(list.size()) + ")"});
    return out;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const IdMapping& m = list[i];
    std::string ptr = pointer_append(base, i);
    if (m.size == 0) {
      out.push_back({ptr + "/size", "expected a size of at least 1"});
      continue;
    }
    bool fits = true;
    for (auto [key, first] : {std::pair{"containerID", m.container_id}, std::pair{"hostID", m.host_id}}) {
      if (uint64_t{first} + m.size > kIdLimit) {
        out.push_back({ptr + "/size", std::string("expected ") + key + " + size at most " + std::to_string(kIdLimit) +
                                          " (got " + std::to_string(first) + " + " + std::to_string(m.size) + ")"});
        fits = false;
      }
    }
    if (!fits) continue;
    for (std::size_t j = 0; j < i; ++j) {
      const IdMapping& o = list[j];
      if (o.size == 0) continue;
      if (overlaps(m.container_id, m.size, o.container_id, o.size))
        out.push_back({ptr + "/containerID", "expected container ids apart from mapping " + std::to_string(j) +
                                                 " (" + range(m.container_id, m.size) + " overlaps " +
                                                 range(o.container_id, o.size) + ")"});
      if (overlaps(m.host_id, m.size, o.host_id, o.size))
        out.push_back({ptr + "/hostID", "expected host ids apart from mapping " + std::to_string(j) + " (" +
                                            range(m.host_id, m.size) + " overlaps " + range(o.host_id, o.size) + ")"});
    }
  }
  return out;
}

std::vector<IdMappingProblem> check_user_namespace(const Config& c) {
  std::vector<IdMappingProblem> out;
  const auto& uids = c.linux.uid_mappings;
  const auto& gids = c.linux.gid_mappings;
  std::size_t index = 0;
  const Namespace* ns = user_namespace(c, index);
  const std::pair<const char*, const std::vector<IdMapping>*> lists[] = {{"/linux/uidMappings", &uids},
                                                                         {"/linux/gidMappings", &gids}};
  for (auto [base, list] : lists) {
    if (list->empty()) continue;
    if (!ns)
      out.push_back({base, "mappings need a user namespace: expected a {\"type\": \"user\"} entry in linux.namespaces"});
    else if (!ns->path.empty())
      out.push_back({base, "expected no mappings with a user namespace joined by path (" + ns->path +
                               " has its own)"});
    else
      for (auto& p : check_id_mappings(*list, base)) out.push_back(std::move(p));
  }
  if (!ns || !ns->path.empty() || !out.empty()) return out;
  std::string at = "/linux/namespaces/" + std::to_string(index);
  for (auto [base, list] : lists) {
    if (list->empty())
      out.push_back({base, std::string("expected at least one mapping for the new user namespace at ") + at});
    else if (!host_id_of(*list, 0))
      out.push_back({base, "expected a mapping of container id 0: the container's root must be someone on the host"});
  }
  if (!out.empty()) return out;
  const User& u = c.process.user;
  if (!host_id_of(uids, u.uid))
    out.push_back({"/process/user/uid", "expected a uid that linux.uidMappings maps (got " + std::to_string(u.uid) + ")"});
  if (!host_id_of(gids, u.gid))
    out.push_back({"/process/user/gid", "expected a gid that linux.gidMappings maps (got " + std::to_string(u.gid) + ")"});
  for (std::size_t i = 0; i < u.additional_gids.size(); ++i)
    if (!host_id_of(gids, u.additional_gids[i]))
      out.push_back({pointer_append("/process/user/additionalGids", i),
                     "expected a gid that linux.gidMappings maps (got " + std::to_string(u.additional_gids[i]) + ")"});
  return out;
}

std::optional<uint32_t> host_id_of(const std::vector<IdMapping>& list, uint32_t container_id) {
  for (const auto& m : list)
    if (container_id >= m.container_id && uint64_t{container_id} < uint64_t{m.container_id} + m.size)
      return m.host_id + (container_id - m.container_id);
  return std::nullopt;
}

}  // namespace mr::oci
