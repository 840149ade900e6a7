// A schema cut down to one document gives that document the same verdict, message for
// message, as the whole schema; and it is really cut down.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "oci/default_config.hpp"
#include "oci/schema.hpp"
#include "oci/schema_prune.hpp"

using namespace mr::oci;
using nlohmann::json;

namespace {

std::vector<std::string> verdict(const Schema& schema, const json& doc) {
  std::vector<std::string> out;
  for (const auto& e : schema.validate(doc, "doc.json")) out.push_back(e.message());
  return out;
}

void same_verdict(const std::string& dir, const std::string& file, const json& doc) {
  auto whole = Schema::load(dir, file);
  auto cut = Schema::load(dir, file, &doc);
  REQUIRE(whole);
  REQUIRE(cut);
  CAPTURE(doc.dump());
  CHECK(verdict(*cut, doc) == verdict(*whole, doc));
}

json config_with(const std::string& pointer, json value) {
  json doc = default_config();
  doc[json::json_pointer(pointer)] = std::move(value);
  return doc;
}

json read_json(const std::string& path) { return json::parse(std::ifstream(path)); }

}  // namespace

TEST_CASE("config.json: the cut-down schema gives the whole schema's verdict") {
  const std::string dir = runtime_spec_schema_dir();
  json missing_version = default_config();
  missing_version.erase("ociVersion");
  const json docs[] = {
      default_config(),
      missing_version,
      config_with("/bogus", 1),
      config_with("/linux/bogus", true),
      config_with("/process/user/uid", "root"),
      config_with("/process/rlimits/0/hard", "x"),
      config_with("/linux/seccomp", {{"defaultAction", "SCMP_ACT_NOPE"}}),
      config_with("/linux/resources", {{"memory", {{"limit", "big"}}}, {"pids", {{"limit", 5}}}}),
      config_with("/windows", {{"layerFolders", 3}}),
      config_with("/solaris", {{"milestone", "x"}, {"anet", {{{"linkname", 1}}}}}),
      config_with("/mounts/0/destination", 7),
      config_with("/linux/namespaces/0/type", "bogus"),
      config_with("/hooks", {{"prestart", {{{"path", 1}}}}}),
      config_with("/process/capabilities", {{"bounding", {"CAP_NOPE"}}}),
      config_with("/linux/devices", {{{"path", "/dev/x"}, {"type", "q"}}}),
      config_with("/hostname", std::string(kMaxPatternInput + 10, 'h')),
      json::object(),
  };
  for (const auto& doc : docs) same_verdict(dir, "config-schema.json", doc);
}

TEST_CASE("network spec: the cut-down schema gives the whole schema's verdict") {
  const std::string dir = project_schema_dir();
  std::vector<json> docs;
  for (const char* name : {"expose.json", "full.json", "move.json", "veth-bridge.json"})
    docs.push_back(read_json(std::string(MR_EXAMPLES_DIR) + "/network/" + name));
  json full = docs[1];
  for (auto [pointer, value] : std::initializer_list<std::pair<const char*, json>>{
           {"/version", 2}, {"/bogus", 1}, {"/devices/0/mtu", "big"}, {"/routes", {{{"to", 5}}}},
           {"/sysctl", {{"kernel.x", 1}}}, {"/dns", {{"nameservers", {"not an address"}}}}}) {
    json doc = full;
    doc[json::json_pointer(pointer)] = value;
    docs.push_back(doc);
  }
  for (const auto& doc : docs) same_verdict(dir, "network-spec.schema.json", doc);
}

TEST_CASE("the pruner drops the properties a document does not have, through sections in other files") {
  json schema = {{"type", "object"},
                 {"required", {"a"}},
                 {"properties",
                  {{"a", {{"type", "object"}, {"properties", {{"x", {{"type", "string"}}}, {"y", {{"type", "string"}}}}}}},
                   {"b", {{"type", "string"}}},
                   {"linux", {{"$ref", "sibling:///more.json#/linux"}}},
                   {"shared", {{"$ref", "more.json#/definitions/S"}}}}}};
  json doc = {{"a", {{"y", "1"}}}, {"linux", {{"k", 1}}}, {"shared", {{"k", 1}}}};
  SchemaPruner pruner;
  pruner.prune_root(schema, doc);
  CHECK(schema["required"] == json{"a"});
  CHECK(schema["properties"].size() == 3);  // "b" is gone
  CHECK(schema["properties"]["a"]["properties"].size() == 1);
  CHECK(schema["properties"]["a"]["properties"].contains("y"));

  json more = {{"linux", {{"properties", {{"k", json::object()}, {"seccomp", json::object()}}}}},
               {"definitions", {{"S", {{"properties", {{"k", json::object()}, {"other", json::object()}}}}}}}};
  pruner.prune_fetched("more.json", more);
  CHECK(more["linux"]["properties"].size() == 1);
  CHECK(more["linux"]["properties"].contains("k"));
  // A definition may serve many places: left whole.
  CHECK(more["definitions"]["S"]["properties"].size() == 2);
}
