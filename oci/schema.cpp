#include "oci/schema.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "oci/valijson_remainder.hpp"  // before valijson's headers, which call it
// clang-format off
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
// clang-format on

#include "oci/json_input.hpp"
#include "oci/schema_expectation.hpp"
#include "oci/schema_file.hpp"
#include "oci/schema_prune.hpp"

namespace mr::oci {

Schema::Schema(std::unique_ptr<valijson::Schema> s, std::unique_ptr<nlohmann::json> root,
               std::set<std::string> pattern_keys, std::string dir)
    : schema_(std::move(s)), root_(std::move(root)), pattern_keys_(std::move(pattern_keys)), dir_(std::move(dir)) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

namespace {


bool has_pattern(const nlohmann::json& sub, const std::set<std::string>& pattern_defs) {
  if (!sub.is_object()) return false;
  if (sub.contains("pattern")) return true;
  auto ref = sub.find("$ref");
  if (ref != sub.end() && ref->is_string()) {
    std::string text = ref->get<std::string>();
    return pattern_defs.contains(text.substr(text.find_last_of('/') + 1));
  }
  auto items = sub.find("items");
  return items != sub.end() && has_pattern(*items, pattern_defs);
}

// Every property name, in any of the schema documents, whose value (or array items) has
// a "pattern" directly or through a $ref to a definition that has one.
void collect_pattern_keys(const nlohmann::json& node, const std::set<std::string>& pattern_defs,
                          std::set<std::string>& out) {
  if (!node.is_structured()) return;
  if (node.is_object()) {
    if (auto props = node.find("properties"); props != node.end() && props->is_object())
      for (const auto& [name, sub] : props->items())
        if (has_pattern(sub, pattern_defs)) out.insert(name);
  }
  for (const auto& child : node) collect_pattern_keys(child, pattern_defs, out);
}

std::set<std::string> pattern_keys(const std::vector<const nlohmann::json*>& docs) {
  std::set<std::string> defs;
  for (const auto* doc : docs)
    if (auto d = doc->find("definitions"); d != doc->end() && d->is_object())
      for (const auto& [name, sub] : d->items())
        if (sub.is_object() && sub.contains("pattern")) defs.insert(name);
  std::set<std::string> out;
  for (const auto* doc : docs) collect_pattern_keys(*doc, defs, out);
  return out;
}

// Long strings under pattern_keys: reported, and cut short in `copy` for valijson.
void cap_pattern_inputs(nlohmann::json& value, const std::set<std::string>& keys, const std::string& pointer,
                        bool under_key, const std::string& file, std::vector<Error>& out) {
  if (value.is_string()) {
    if (under_key && value.get_ref<const std::string&>().size() > kMaxPatternInput) {
      out.push_back(input_error(file, pointer, "expected at most " + std::to_string(kMaxPatternInput) + " bytes"));
      value = value.get<std::string>().substr(0, kMaxPatternInput);
    }
  } else if (value.is_object()) {
    for (auto& [key, child] : value.items())
      cap_pattern_inputs(child, keys, pointer_append(pointer, key), keys.contains(key), file, out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      cap_pattern_inputs(value[i], keys, pointer_append(pointer, i), under_key, file, out);
  }
}

bool has_long_string(const nlohmann::json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().size() > kMaxPatternInput;
  if (j.is_structured()) return std::any_of(j.begin(), j.end(), [](const nlohmann::json& c) { return has_long_string(c); });
  return false;
}

}  // namespace

Result<Schema> Schema::load(const std::string& dir, const std::string& root_file, const nlohmann::json* only_for) {
  auto root = MR_TRY_VALUE(load_schema_file(dir + "/" + root_file));
  // valijson compiles a copy cut down to `only_for`; the whole root stays for the
  // messages about unknown properties, which list every property allowed.
  SchemaPruner pruner;
  std::optional<nlohmann::json> pruned;
  if (only_for) {
    pruned = root;
    pruner.prune_root(*pruned, *only_for);
  }
  auto schema = std::make_unique<valijson::Schema>();
  std::string failed;
  std::vector<const nlohmann::json*> docs = {&root};
  // A $ref such as "defs.json#/definitions/Mount" names a sibling file; a base URI in
  // an "id" would make it absolute, so only the last path segment is used.
  auto fetch = [&dir, &failed, &docs, &pruner, only_for](const std::string& uri) -> const nlohmann::json* {
    std::string name = uri.substr(uri.find_last_of('/') + 1);
    auto doc = load_schema_file(dir + "/" + name);
    if (!doc) {
      failed = doc.error().message();
      return nullptr;
    }
    if (only_for) pruner.prune_fetched(name, *doc);
    docs.push_back(new nlohmann::json(std::move(*doc)));
    return docs.back();
  };
  // The pattern keys are needed only to cut long strings short; a document without any
  // needs none. valijson frees the fetched documents when parsing ends; their pattern
  // keys are collected first, while they are alive.
  const bool want_keys = !only_for || has_long_string(*only_for);
  std::set<std::string> keys;
  auto free_doc = [&keys, &docs, want_keys](const nlohmann::json* doc) {
    if (want_keys && docs.size() > 1) {
      keys.merge(pattern_keys(docs));
      docs.resize(1);
    }
    delete doc;
  };
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft4);
    valijson::adapters::NlohmannJsonAdapter adapter(pruned ? *pruned : root);
    parser.populateSchema(adapter, *schema, fetch, free_doc);
  } catch (const std::exception& e) {
    std::string what = failed.empty() ? e.what() : failed;
    return std::unexpected(input_error(dir + "/" + root_file, "", "cannot load schema: " + what));
  }
  if (want_keys) keys.merge(pattern_keys({&root}));
  return Schema(std::move(schema), std::make_unique<nlohmann::json>(std::move(root)), std::move(keys), dir);
}

namespace {

// valijson names a place as {"<root>", "[linux]", "[namespaces]", "[0]"}.
std::string context_to_pointer(const std::vector<std::string>& context) {
  std::string out;
  for (const auto& part : context) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']')
      out = pointer_append(out, std::string_view(part).substr(1, part.size() - 2));
  }
  return out;
}

constexpr std::string_view kAdditionalPropertiesMessage = "Object contains a property that could not be validated";

// valijson reports a failure inside an object or array again at each enclosing level
// with one of these; only those repeats are dropped, never a failure of the enclosing
// value itself (a missing required property sits at the object's own level).
bool is_summary(const std::string& description) {
  for (std::string_view prefix : {"Failed to validate item #", "Failed to validate against schema associated with",
                                  "Failed to validate against additional properties schema",
                                  "Failed to validate against child schema", "Failed to validate against dependent schema",
                                  "Failed to validate against any schemas allowed by anyOf"})
    if (description.starts_with(prefix)) return true;
  return false;
}

// Follows a local "$ref": "#/definitions/X" inside `root`; other refs are not followed.
const nlohmann::json* resolve(const nlohmann::json& root, const nlohmann::json& schema) {
  const nlohmann::json* cur = &schema;
  for (int hops = 0; hops < 16 && cur->is_object(); ++hops) {
    auto ref = cur->find("$ref");
    if (ref == cur->end() || !ref->is_string()) return cur;
    std::string text = ref->get<std::string>();
    if (!text.starts_with("#")) return nullptr;
    try {
      cur = &root.at(nlohmann::json::json_pointer(text.substr(1)));
    } catch (const nlohmann::json::exception&) {
      return nullptr;
    }
  }
  return cur;
}

void find_unknown_properties(const nlohmann::json& root, const nlohmann::json& schema_node,
                             const nlohmann::json& value, const std::string& pointer,
                             const std::string& file, std::vector<Error>& out) {
  const nlohmann::json* schema = resolve(root, schema_node);
  if (!schema || !schema->is_object()) return;
  if (value.is_object()) {
    auto props = schema->find("properties");
    auto additional = schema->find("additionalProperties");
    for (const auto& [key, child] : value.items()) {
      std::string ptr = pointer_append(pointer, key);
      if (props != schema->end() && props->contains(key)) {
        find_unknown_properties(root, (*props)[key], child, ptr, file, out);
      } else if (additional != schema->end() && additional->is_boolean() && !additional->get<bool>()) {
        std::string allowed;
        if (props != schema->end())
          for (const auto& [name, unused] : props->items()) allowed += (allowed.empty() ? "" : ", ") + name;
        out.push_back(input_error(file, ptr, "unknown key \"" + key + "\" (expected one of: " + allowed + ")"));
      } else if (additional != schema->end() && additional->is_object()) {
        find_unknown_properties(root, *additional, child, ptr, file, out);
      }
    }
  } else if (value.is_array()) {
    auto items = schema->find("items");
    if (items == schema->end() || !items->is_object()) return;
    for (size_t i = 0; i < value.size(); ++i)
      find_unknown_properties(root, *items, value[i], pointer_append(pointer, i), file, out);
  }
}

// The first `parts` parts of a place as one string, each part after its length (a key
// may hold any character, so no separator would do).
std::string context_key(const std::vector<std::string>& context, size_t parts) {
  std::string key;
  for (size_t i = 0; i < parts; ++i) {
    key += std::to_string(context[i].size());
    key += ':';
    key += context[i];
  }
  return key;
}

// The places with a failure somewhere below them: a summary at such a place repeats it.
// Found in one pass over the failures, not by comparing every pair (a spec of 50,000
// invalid routes fails 100,000 times).
std::unordered_set<std::string> places_above(const std::vector<valijson::ValidationResults::Error>& errors) {
  std::unordered_set<std::string> above;
  for (const auto& e : errors)
    for (size_t parts = 0; parts < e.context.size(); ++parts) above.insert(context_key(e.context, parts));
  return above;
}


}  // namespace

std::vector<Error> Schema::validate(const nlohmann::json& doc, const std::string& file) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  std::vector<Error> capped;
  std::optional<nlohmann::json> clamped;
  if (has_huge_unsigned(doc) || has_long_string(doc)) {
    clamped = doc;
    clamp_unsigned(*clamped);
    cap_pattern_inputs(*clamped, pattern_keys_, "", false, file, capped);
  }
  valijson::adapters::NlohmannJsonAdapter target(clamped ? *clamped : doc);
  std::vector<Error> out = std::move(capped);
  try {
    if (validator.validate(*schema_, target, &results)) return out;
  } catch (const std::exception& e) {
    // std::regex can throw (error_complexity, error_stack) on hostile strings.
    out.push_back(input_error(file, "", std::string("schema validation failed: ") + e.what()));
    return out;
  }
  find_unknown_properties(*root_, *root_, doc, "", file, out);
  SchemaExpectations expected(*root_, dir_);
  std::vector<valijson::ValidationResults::Error> errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) errors.push_back(std::move(e));
  auto above = places_above(errors);
  std::unordered_set<std::string> reported;
  for (const auto& o : out) reported.insert(o.pointer);
  for (size_t i = 0; i < errors.size(); ++i) {
    bool enclosing = is_summary(errors[i].description) &&
                     above.contains(context_key(errors[i].context, errors[i].context.size()));
    if (enclosing || errors[i].description.starts_with(kAdditionalPropertiesMessage)) continue;
    std::string pointer = context_to_pointer(errors[i].context);
    // One line per pointer: an anyOf reports each alternative's failure at one place.
    if (reported.contains(pointer)) continue;
    std::string what = expected(pointer, errors[i].description);
    try {
      what += " (got " + brief(doc.at(nlohmann::json::json_pointer(pointer))) + ")";
    } catch (const nlohmann::json::exception&) {
      // A missing required property has no value to show.
    }
    out.push_back(input_error(file, pointer, std::move(what)));
    reported.insert(out.back().pointer);
  }
  return out;
}

void drop_schema_repeats(std::vector<Error>& problems, size_t schema_count) {
  schema_count = std::min(schema_count, problems.size());
  std::set<std::string> own;
  for (size_t i = schema_count; i < problems.size(); ++i) own.insert(problems[i].pointer);
  size_t i = 0;
  std::erase_if(problems, [&](const Error& e) { return i++ < schema_count && own.contains(e.pointer); });
}

namespace {

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<const Schema*> cached(const Result<Schema>& loaded) {
  if (!loaded) return std::unexpected(loaded.error());
  return &*loaded;
}

}  // namespace

std::string runtime_spec_schema_dir() {
  if (const char* env = std::getenv("MR_RUNTIME_SPEC_SCHEMA_DIR"); env && *env) return env;
  return MR_RUNTIME_SPEC_SCHEMA_DIR;
}

std::string project_schema_dir() {
  if (const char* env = std::getenv("MR_SCHEMA_DIR"); env && *env) return env;
  if (is_dir(MR_INSTALLED_SCHEMA_DIR)) return MR_INSTALLED_SCHEMA_DIR;
  return MR_SOURCE_SCHEMA_DIR;
}

Result<Schema> runtime_config_schema(const nlohmann::json& doc) {
  return Schema::load(runtime_spec_schema_dir(), "config-schema.json", &doc);
}

Result<const Schema*> net_devices_schema() {
  static const Result<Schema> schema = Schema::load(project_schema_dir(), "net-devices.schema.json");
  return cached(schema);
}

Result<Schema> network_spec_schema(const nlohmann::json& doc) {
  return Schema::load(project_schema_dir(), "network-spec.schema.json", &doc);
}

}  // namespace mr::oci
