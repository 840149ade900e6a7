#include "netdef/network_def_file.hpp"

#include <algorithm>
#include <cstdint>

#include "oci/json_input.hpp"
#include "oci/schema.hpp"

namespace mr::netdef {

using nlohmann::json;

namespace {

constexpr std::string_view kSchemaFile = "network.schema.json";

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

// The name a file must carry: its base name without ".json".
std::string name_of_file(const std::string& file) {
  std::string base = file.substr(file.find_last_of('/') + 1);
  if (base.ends_with(".json")) base.resize(base.size() - 5);
  return base;
}

// Reads the document into the model. A value of the wrong JSON type is skipped: the
// schema has reported it. Problems of the reader's own (an unparsable address) go to
// `problems`; `subnets_whole` says whether every subnet could be read, so that the
// model's subnet indices are the file's.
class DefReader {
 public:
  DefReader(const std::string& file, std::vector<Error>& problems) : file_(file), problems_(problems) {}

  NetworkDef read(const json& doc) {
    NetworkDef def;
    def.file = file_;
    if (auto name = string_member(doc, "name")) def.name = *name;
    def.id = string_member(doc, "id").value_or(id_from_name(def.name));
    if (auto driver = string_member(doc, "driver")) def.driver = *driver;
    def.bridge = string_member(doc, "bridge").value_or(default_bridge_name(def.id));
    if (const json* given = member(doc, "bridgeGiven"); given && given->is_boolean()) def.bridge_given = given->get<bool>();
    const json* subnets = member(doc, "subnets");
    if (!subnets || !subnets->is_array()) subnets_whole = false;  // the schema reported it
    if (subnets_whole)
      for (size_t i = 0; i < subnets->size(); ++i) {
        auto s = read_subnet((*subnets)[i], oci::pointer_append("/subnets", i));
        if (s)
          def.subnets.push_back(*s);
        else
          subnets_whole = false;
      }
    if (const json* internal = member(doc, "internal"); internal && internal->is_boolean())
      def.internal = internal->get<bool>();
    if (const json* dns = member(doc, "dns"); dns && dns->is_boolean()) def.dns = dns->get<bool>();
    if (const json* mtu = member(doc, "mtu"); mtu && mtu->is_number_integer()) {
      if (mtu->is_number_unsigned() && mtu->get<uint64_t>() <= UINT32_MAX)
        def.mtu = mtu->get<uint32_t>();
      else
        problem("/mtu", "expected an MTU from 68 to 65535 (got " + oci::brief(*mtu) + ")");
    }
    if (const json* labels = member(doc, "labels"); labels && labels->is_object())
      for (const auto& [key, value] : labels->items())
        if (value.is_string()) def.labels[key] = value.get<std::string>();
    if (auto created = string_member(doc, "created")) def.created = *created;
    return def;
  }

  bool subnets_whole = true;

 private:
  void problem(std::string pointer, std::string what) {
    problems_.push_back(oci::input_error(file_, std::move(pointer), std::move(what)));
  }

  std::optional<Subnet> read_subnet(const json& j, const std::string& ptr) {
    auto text = string_member(j, "subnet");
    if (!text) return std::nullopt;  // the schema reported it
    auto subnet = netns::IpPrefix::parse(*text);
    if (!subnet) {
      problem(ptr + "/subnet", "expected a subnet such as 10.89.1.0/24 or fd12:3456:789a:1::/64 (got \"" + *text + "\")");
      return std::nullopt;
    }
    Subnet s{*subnet, first_host(*subnet), std::nullopt};
    bool ok = true;
    if (auto gw = string_member(j, "gateway")) {
      if (auto a = netns::IpAddress::parse(*gw))
        s.gateway = *a;
      else
        problem(ptr + "/gateway", "expected an IPv4 or IPv6 address (got \"" + *gw + "\")"), ok = false;
    }
    if (auto range = string_member(j, "ipRange")) {
      if (auto p = netns::IpPrefix::parse(*range))
        s.ip_range = *p;
      else
        problem(ptr + "/ipRange", "expected a prefix such as 10.89.1.128/25 (got \"" + *range + "\")"), ok = false;
    }
    if (!ok) return std::nullopt;
    return s;
  }

  const std::string& file_;
  std::vector<Error>& problems_;
};

}  // namespace

DefCheck check_network_def(std::string_view text, const std::string& file) {
  DefCheck out;
  auto doc = oci::parse_json(text, file);
  if (!doc) {
    out.problems.push_back(std::move(doc).error());
    return out;
  }
  if (!doc->is_object()) {
    out.problems.push_back(oci::input_error(file, "", "expected a JSON object with \"name\" and \"subnets\""));
    return out;
  }
  auto schema = oci::Schema::load(oci::project_schema_dir(), std::string(kSchemaFile), &*doc);
  if (!schema) {
    out.problems.push_back(schema.error());
    return out;
  }
  out.problems = schema->validate(*doc, file);
  const size_t from_schema = out.problems.size();
  DefReader reader(file, out.problems);
  NetworkDef def = reader.read(*doc);
  const bool has_name = string_member(*doc, "name").has_value();
  for (auto& p : check_network_rules(def)) {
    // The model's subnet indices are the file's only when every subnet was read; a
    // missing name or subnets the schema reported.
    if (!reader.subnets_whole && p.pointer.starts_with("/subnets")) continue;
    if (!has_name && p.pointer == "/name") continue;
    out.problems.push_back(oci::input_error(file, std::move(p.pointer), std::move(p.what)));
  }
  const bool name_refused = std::any_of(out.problems.begin(), out.problems.end(),
                                       [](const Error& e) { return e.pointer == "/name"; });
  if (const std::string expected = name_of_file(file); !name_refused && has_name && def.name != expected)
    out.problems.push_back(oci::input_error(file, "/name", "expected \"" + expected +
                                                               "\", the file's name without .json (got \"" + def.name + "\")"));
  oci::drop_schema_repeats(out.problems, from_schema);
  if (out.problems.empty()) out.def = std::move(def);
  return out;
}

Result<NetworkDef> read_network_file(const std::string& path) {
  auto text = MR_TRY_VALUE(oci::read_input_file(path));
  auto check = check_network_def(text, path);
  if (!check.problems.empty()) return std::unexpected(std::move(check.problems.front()));
  return std::move(*check.def);
}

nlohmann::ordered_json network_def_json(const NetworkDef& def) {
  nlohmann::ordered_json j;
  j["name"] = def.name;
  j["id"] = def.id;
  j["driver"] = def.driver;
  j["bridge"] = def.bridge;
  j["bridgeGiven"] = def.bridge_given;
  j["subnets"] = nlohmann::ordered_json::array();
  for (const auto& s : def.subnets) {
    nlohmann::ordered_json sj;
    sj["subnet"] = s.subnet.to_string();
    sj["gateway"] = s.gateway.to_string();
    if (s.ip_range) sj["ipRange"] = s.ip_range->to_string();
    j["subnets"].push_back(std::move(sj));
  }
  j["internal"] = def.internal;
  j["dns"] = def.dns;
  if (def.mtu) j["mtu"] = *def.mtu;
  j["labels"] = def.labels;
  if (!def.created.empty()) j["created"] = def.created;
  return j;
}

std::string render_network_def(const NetworkDef& def) { return network_def_json(def).dump(2) + "\n"; }

}  // namespace mr::netdef
