#include "oci/schema_prune.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace mr::oci {

namespace {

// "config-linux.json#/linux" -> {"config-linux.json", "/linux"}; only a ref to another
// file's top-level key other than "definitions" qualifies: a definition may be shared by
// many places, a section such as "/linux" is written for one.
bool section_ref(const std::string& ref, std::string& file, std::string& pointer) {
  auto hash = ref.find('#');
  if (hash == std::string::npos || hash == 0) return false;
  pointer = ref.substr(hash + 1);
  if (pointer.size() < 2 || pointer[0] != '/' || pointer.find('/', 1) != std::string::npos) return false;
  if (pointer == "/definitions") return false;
  file = ref.substr(0, hash);
  file = file.substr(file.find_last_of('/') + 1);
  return true;
}

}  // namespace

void SchemaPruner::prune_root(nlohmann::json& schema, const nlohmann::json& doc) { prune(schema, doc); }

void SchemaPruner::prune_fetched(const std::string& file, nlohmann::json& fetched) {
  std::string name = file.substr(file.find_last_of('/') + 1);
  for (const auto& t : targets_) {
    if (t.file != name || shared_.contains({t.file, t.pointer})) continue;
    nlohmann::json::json_pointer ptr(t.pointer);
    if (fetched.contains(ptr)) prune(fetched[ptr], *t.value);
  }
}

// Follows "properties" only, into subschemas written in place: those apply to this one
// value. "items", "additionalProperties" and the like apply to many values and are kept.
void SchemaPruner::prune(nlohmann::json& schema, const nlohmann::json& value) {
  if (!schema.is_object() || !value.is_object()) return;
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) return;
  for (auto it = props->begin(); it != props->end();) {
    auto present = value.find(it.key());
    if (present == value.end()) {
      it = props->erase(it);
      continue;
    }
    if (auto ref = it->find("$ref"); it->is_object() && ref != it->end() && ref->is_string())
      note_ref(ref->get<std::string>(), *present);
    else
      prune(*it, *present);
    ++it;
  }
}

void SchemaPruner::note_ref(const std::string& ref, const nlohmann::json& value) {
  std::string file, pointer;
  if (!section_ref(ref, file, pointer)) return;
  bool seen = std::any_of(targets_.begin(), targets_.end(),
                          [&](const Target& t) { return t.file == file && t.pointer == pointer; });
  if (seen) shared_.insert({file, pointer});
  targets_.push_back({file, pointer, &value});
}

}  // namespace mr::oci
