#include "oci/schema_expectation.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/schema_file.hpp"

namespace mr::oci {

namespace {

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

std::string with_article(const std::string& type) {
  if (type == "null") return "null";
  return (type == "integer" || type == "object" || type == "array" ? "an " : "a ") + type;
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

}  // namespace

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

SchemaExpectations::SchemaExpectations(const nlohmann::json& root, const std::string& dir)
    : walk_(std::make_unique<SchemaWalk>(root, dir)) {}
SchemaExpectations::~SchemaExpectations() = default;

std::string SchemaExpectations::operator()(const std::string& pointer, const std::string& description) {
  SchemaWalk& walk = *walk_;
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

}  // namespace mr::oci
