#include "oci/schema.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>

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
#include "oci/schema_prune.hpp"

namespace mr::oci {

Schema::Schema(std::unique_ptr<valijson::Schema> s, std::unique_ptr<nlohmann::json> root,
               std::set<std::string> pattern_keys, std::string dir)
    : schema_(std::move(s)), root_(std::move(root)), pattern_keys_(std::move(pattern_keys)), dir_(std::move(dir)) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

namespace {

// valijson reads every integer as int64_t, so the runtime-spec's uint64 maximum
// (18446744073709551615) becomes -1 and rejects every value, and an RLIM_INFINITY in a
// config fails "minimum": 0. Both the schemas and the checked copy of a document get
// such numbers lowered to INT64_MAX: still an integer, still >= 0, still <= every maximum.
constexpr auto kMaxInt = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool too_big(const nlohmann::json& j) { return j.is_number_unsigned() && j.get<uint64_t>() > kMaxInt; }

void clamp_unsigned(nlohmann::json& j) {
  if (too_big(j)) {
    j = static_cast<int64_t>(kMaxInt);
  } else if (j.is_structured()) {
    for (auto& child : j) clamp_unsigned(child);
  }
}

// valijson tells a $ref into another file from one inside the document by asking whether
// its URI is absolute, else whether it is a URN; the URN test compiles a large std::regex
// on first use, which cost a sixth of checking a config.json. Refs between sibling
// schema files ("defs.json#/definitions/Mount") are made absolute under this prefix, so
// the question never comes up; the fetch callback keeps only the last path segment.
constexpr std::string_view kSiblingPrefix = "sibling:///";

// Both fixes above, in one walk over a schema document.
void prepare_schema(nlohmann::json& j) {
  if (too_big(j)) {
    j = static_cast<int64_t>(kMaxInt);
  } else if (j.is_object()) {
    // Plain iterators: items() builds a string per element.
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) {
        auto& text = it->get_ref<std::string&>();
        if (!text.starts_with("#") && text.find("://") == std::string::npos) text.insert(0, kSiblingPrefix);
      } else {
        prepare_schema(*it);
      }
    }
  } else if (j.is_array()) {
    for (auto& child : j) prepare_schema(child);
  }
}

// The schemas are ours or Debian's, installed with the binaries: parsed without the
// bookkeeping that names a user's mistakes by JSON pointer, which would double the cost.
Result<nlohmann::json> load_schema_file(const std::string& path) {
  std::string text = MR_TRY_VALUE(read_input_file(path));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::unexpected(input_error(path, "", "cannot parse schema: not valid JSON"));
  prepare_schema(doc);
  return doc;
}

bool has_huge_unsigned(const nlohmann::json& j) {
  if (too_big(j)) return true;
  if (j.is_structured())
    return std::any_of(j.begin(), j.end(), [](const nlohmann::json& c) { return has_huge_unsigned(c); });
  return false;
}

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

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// valijson's text, in the house style of error text: "Array should contain no more
// than 2 elements." -> "array should contain no more than 2 elements".
std::string tidy(std::string text) {
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  // valijson prints limits with std::to_string(double): "1.000000".
  for (auto dot = text.find(".000000"); dot != std::string::npos; dot = text.find(".000000", dot))
    text.erase(dot, 7);
  return text;
}

constexpr std::string_view kTypeMessage = "Value type not permitted by 'type' constraint";
constexpr std::string_view kEnumMessage = "Failed to match against any enum values";

// A schema node and the document it sits in (a local "$ref" is relative to that).
struct Node {
  const nlohmann::json* json = nullptr;
  const nlohmann::json* doc = nullptr;
};

// Walks the schema along a document's JSON pointer to the node that checks the value
// there, following $refs into the sibling files (read again, now that a message needs
// them: valijson has freed its copies). Only for messages: where the walk loses its
// way (a patternProperties key, say), the caller keeps valijson's own text.
class SchemaWalk {
 public:
  SchemaWalk(const nlohmann::json& root, const std::string& dir) : root_(root), dir_(dir) {}

  Node at(const std::string& pointer) {
    try {
      Node cur = resolve({&root_, &root_});
      for (const auto& token : split(pointer)) {
        cur = child(cur, token, 0);
        if (!cur.json) return {};
      }
      return cur;
    } catch (const std::exception&) {  // an index past unsigned long, say
      return {};
    }
  }

  // The JSON types the node allows, its own or those of its anyOf/oneOf alternatives.
  std::vector<std::string> types(Node n) {
    std::vector<std::string> out;
    collect(n, "type", out, 0);
    return out;
  }
  // Its enum values, rendered: strings bare, other values as JSON.
  std::vector<std::string> values(Node n) {
    std::vector<std::string> out;
    collect(n, "enum", out, 0);
    return out;
  }

 private:
  static std::vector<std::string> split(const std::string& pointer) {
    std::vector<std::string> out;
    auto p = nlohmann::json::json_pointer(pointer);
    while (!p.empty()) {
      out.insert(out.begin(), p.back());
      p.pop_back();
    }
    return out;
  }

  Node resolve(Node n) {
    for (int hops = 0; hops < 16 && n.json && n.json->is_object(); ++hops) {
      auto ref = n.json->find("$ref");
      if (ref == n.json->end() || !ref->is_string()) return n;
      std::string text = ref->get<std::string>();
      auto hash = text.find('#');
      std::string fragment = hash == std::string::npos ? "" : text.substr(hash + 1);
      if (hash != 0) {
        if (!text.starts_with(kSiblingPrefix)) return {};
        n.doc = file(text.substr(kSiblingPrefix.size(), hash - kSiblingPrefix.size()));
        if (!n.doc) return {};
      }
      try {
        n.json = &n.doc->at(nlohmann::json::json_pointer(fragment));
      } catch (const nlohmann::json::exception&) {
        return {};
      }
    }
    return n;
  }

  const nlohmann::json* file(const std::string& name) {
    auto it = files_.find(name);
    if (it == files_.end()) {
      auto doc = load_schema_file(dir_ + "/" + name);
      if (!doc) return nullptr;
      it = files_.emplace(name, std::move(*doc)).first;
    }
    return &it->second;
  }

  // A schema may name itself through a combinator: the depth bounds the search.
  static constexpr int kMaxDepth = 8;

  Node child(Node n, const std::string& token, int depth) {
    n = resolve(n);
    if (!n.json || !n.json->is_object() || depth > kMaxDepth) return {};
    const nlohmann::json& s = *n.json;
    if (auto props = s.find("properties"); props != s.end() && props->contains(token)) return resolve({&(*props)[token], n.doc});
    if (auto items = s.find("items"); items != s.end() && !token.empty() &&
                                      token.find_first_not_of("0123456789") == std::string::npos) {
      if (items->is_object()) return resolve({&*items, n.doc});
      size_t i = std::stoul(token);
      if (items->is_array() && i < items->size()) return resolve({&(*items)[i], n.doc});
    }
    if (auto add = s.find("additionalProperties"); add != s.end() && add->is_object()) return resolve({&*add, n.doc});
    for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
      auto alts = s.find(combinator);
      if (alts == s.end() || !alts->is_array()) continue;
      for (const auto& alt : *alts)
        if (Node found = child({&alt, n.doc}, token, depth + 1); found.json) return found;
    }
    return {};
  }

  void collect(Node n, const char* keyword, std::vector<std::string>& out, int depth) {
    n = resolve(n);
    if (!n.json || !n.json->is_object() || depth > kMaxDepth) return;
    if (auto k = n.json->find(keyword); k != n.json->end()) {
      for (const auto& v : k->is_array() ? *k : nlohmann::json::array({*k})) {
        std::string text = v.is_string() ? v.get<std::string>() : v.dump();
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
      }
    }
    for (const char* combinator : {"allOf", "anyOf", "oneOf"})
      if (auto alts = n.json->find(combinator); alts != n.json->end() && alts->is_array())
        for (const auto& alt : *alts) collect({&alt, n.doc}, keyword, out, depth + 1);
  }

  const nlohmann::json& root_;
  const std::string& dir_;
  std::map<std::string, nlohmann::json> files_;
};

std::string with_article(const std::string& type) {
  if (type == "null") return "null";
  return (type == "integer" || type == "object" || type == "array" ? "an " : "a ") + type;
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

// What valijson's description means at `pointer`, said as what was expected.
std::string expectation(SchemaWalk& walk, const std::string& pointer, const std::string& description) {
  if (description.starts_with(kTypeMessage)) {
    auto types = walk.types(walk.at(pointer));
    std::vector<std::string> named;
    for (const auto& t : types) named.push_back(with_article(t));
    if (!named.empty()) return "expected " + joined(named, " or ");
  } else if (description.starts_with(kEnumMessage)) {
    auto values = walk.values(walk.at(pointer));
    if (!values.empty()) return "expected one of: " + joined(values, ", ");
  }
  return tidy(description);
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
  SchemaWalk walk(*root_, dir_);
  std::vector<valijson::ValidationResults::Error> errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) errors.push_back(std::move(e));
  for (size_t i = 0; i < errors.size(); ++i) {
    bool enclosing = is_summary(errors[i].description) &&
                     std::any_of(errors.begin(), errors.end(), [&](const auto& other) {
                       return is_prefix(errors[i].context, other.context);
                     });
    if (enclosing || errors[i].description.starts_with(kAdditionalPropertiesMessage)) continue;
    std::string pointer = context_to_pointer(errors[i].context);
    // One line per pointer: an anyOf reports each alternative's failure at one place.
    if (std::any_of(out.begin(), out.end(), [&](const Error& o) { return o.pointer == pointer; })) continue;
    std::string what = expectation(walk, pointer, errors[i].description);
    try {
      what += " (got " + brief(doc.at(nlohmann::json::json_pointer(pointer))) + ")";
    } catch (const nlohmann::json::exception&) {
      // A missing required property has no value to show.
    }
    out.push_back(input_error(file, pointer, std::move(what)));
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
