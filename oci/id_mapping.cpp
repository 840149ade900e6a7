#include "oci/id_mapping.hpp"

#include <nlohmann/json.hpp>

#include "oci/json_input.hpp"

namespace mr::oci {

namespace {

// map_write() refuses an extent whose first id plus its count wraps past 2^32 - 1 (that
// id, (u32)-1, is the kernel's "no id").
constexpr uint64_t kIdLimit = 4294967295u;

bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size) {
  return uint64_t{a} < uint64_t{b} + b_size && uint64_t{b} < uint64_t{a} + a_size;
}

}  // namespace

std::vector<IdMapping> read_id_mappings(const nlohmann::json& j, const std::string& pointer,
                                        const ProblemSink& problem) {
  // Not an array: the schema has said so (a null stands for what it reported).
  const auto& entries = j.get_ref<const nlohmann::json::array_t&>();
  std::vector<IdMapping> out;
  if (entries.empty()) problem(pointer, "expected at least one mapping");
  if (entries.size() > kMaxIdMappings)
    problem(pointer, "expected at most " + std::to_string(kMaxIdMappings) + " mappings (the kernel's limit), got " +
                         std::to_string(entries.size()));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& e = entries[i];
    std::string ptr = pointer_append(pointer, i);
    IdMapping m{e.at("containerID").get<uint32_t>(), e.at("hostID").get<uint32_t>(), e.at("size").get<uint32_t>()};
    bool usable = true;
    if (m.size == 0) {
      problem(ptr + "/size", "expected a size of at least 1");
      usable = false;
    }
    for (auto [key, first] : {std::pair{"containerID", m.container_id}, std::pair{"hostID", m.host_id}}) {
      if (uint64_t{first} + m.size > kIdLimit) {
        problem(ptr + "/" + key, std::string(key) + " + size must stay below 4294967295 (got " +
                                     std::to_string(first) + " + " + std::to_string(m.size) + ")");
        usable = false;
      }
    }
    // Each id maps to one id and back (map_write() refuses overlapping extents on
    // either side).
    for (std::size_t k = 0; usable && k < out.size(); ++k) {
      const IdMapping& o = out[k];
      if (o.size == 0) continue;
      if (ranges_overlap(m.container_id, m.size, o.container_id, o.size))
        problem(ptr + "/containerID", "the range overlaps the containerID range of " + pointer_append(pointer, k));
      if (ranges_overlap(m.host_id, m.size, o.host_id, o.size))
        problem(ptr + "/hostID", "the range overlaps the hostID range of " + pointer_append(pointer, k));
    }
    out.push_back(usable ? m : IdMapping{});
  }
  return out;
}

std::string id_map_text(const std::vector<IdMapping>& mappings) {
  std::string out;
  for (const auto& m : mappings)
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  return out;
}

}  // namespace mr::oci
