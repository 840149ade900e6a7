// linux.uidMappings and gidMappings as config.json's reader checks them, before anything
// is made: what the kernel would refuse in /proc/PID/uid_map (overlaps, size 0, ids past
// the largest, more than 340 lines) and what would leave the container without a root or
// its user, each one line with its pointer.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "oci/id_mappings.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::messages;
using nlohmann::json;

namespace {

json mapping(uint32_t container, uint32_t host, uint32_t size) {
  return {{"containerID", container}, {"hostID", host}, {"size", size}};
}

json with_userns() {
  json doc = default_config();
  doc["linux"]["namespaces"].push_back({{"type", "user"}});  // /linux/namespaces/5
  doc["linux"]["uidMappings"] = json::array({mapping(0, 100000, 65536)});
  doc["linux"]["gidMappings"] = json::array({mapping(0, 100000, 65536)});
  return doc;
}

// The first problem's whole line, "" when the config loads.
std::string first_line(const json& doc) {
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag);
  return c.problems.empty() ? std::string() : c.problems.front().message();
}

}  // namespace

TEST_CASE("a user namespace with mappings loads and its mappings read back") {
  json doc = with_userns();
  doc["linux"]["uidMappings"].push_back(mapping(65536, 300000, 10));
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag);
  INFO(messages(c));
  REQUIRE(c.config);
  REQUIRE(c.config->linux.uid_mappings.size() == 2);
  CHECK(c.config->linux.uid_mappings[1].container_id == 65536);
  CHECK(c.config->linux.uid_mappings[1].host_id == 300000);
  CHECK(c.config->linux.uid_mappings[1].size == 10);
  CHECK(id_map_text(c.config->linux.uid_mappings) == "0 100000 65536\n65536 300000 10\n");
  CHECK(host_id_of(c.config->linux.uid_mappings, 65540) == 300004);
  CHECK_FALSE(host_id_of(c.config->linux.uid_mappings, 65546));
  CHECK(is_supported_namespace("user"));
}

TEST_CASE("hostile mappings are refused with their pointer") {
  struct Case {
    const char* name;
    void (*change)(json&);
    const char* line;
  };
  const Case cases[] = {
      {"mappings without a user namespace", [](json& d) { d["linux"]["namespaces"].erase(5); },
       "config.json:/linux/uidMappings: mappings need a user namespace: expected a {\"type\": \"user\"} entry in "
       "linux.namespaces"},
      {"a new user namespace without uid mappings", [](json& d) { d["linux"].erase("uidMappings"); },
       "config.json:/linux/uidMappings: expected at least one mapping for the new user namespace at "
       "/linux/namespaces/5"},
      {"an empty list", [](json& d) { d["linux"]["gidMappings"] = json::array(); },
       "config.json:/linux/gidMappings: expected at least one mapping for the new user namespace at "
       "/linux/namespaces/5"},
      {"mappings with a user namespace by path", [](json& d) { d["linux"]["namespaces"][5]["path"] = "/proc/1/ns/user"; },
       "config.json:/linux/uidMappings: expected no mappings with a user namespace joined by path (/proc/1/ns/user has "
       "its own)"},
      {"size 0", [](json& d) { d["linux"]["gidMappings"][0]["size"] = 0; },
       "config.json:/linux/gidMappings/0/size: expected a size of at least 1"},
      {"container ids overlapping", [](json& d) { d["linux"]["uidMappings"].push_back(mapping(65535, 200000, 2)); },
       "config.json:/linux/uidMappings/1/containerID: expected container ids apart from mapping 0 (65535-65536 "
       "overlaps 0-65535)"},
      {"host ids overlapping", [](json& d) { d["linux"]["uidMappings"].push_back(mapping(70000, 99999, 2)); },
       "config.json:/linux/uidMappings/1/hostID: expected host ids apart from mapping 0 (99999-100000 overlaps "
       "100000-165535)"},
      {"container ids past the largest", [](json& d) { d["linux"]["uidMappings"].push_back(mapping(4294967295u, 1, 1)); },
       "config.json:/linux/uidMappings/1/size: expected containerID + size at most 4294967295 (got 4294967295 + 1)"},
      {"host ids past the largest", [](json& d) { d["linux"]["uidMappings"][0]["hostID"] = 4294967295u - 65535; },
       "config.json:/linux/uidMappings/0/size: expected hostID + size at most 4294967295 (got 4294901760 + 65536)"},
      {"the container's root unmapped", [](json& d) { d["linux"]["gidMappings"][0]["containerID"] = 1; },
       "config.json:/linux/gidMappings: expected a mapping of container id 0: the container's root must be someone on "
       "the host"},
      {"process.user.uid unmapped", [](json& d) { d["process"]["user"]["uid"] = 65536; },
       "config.json:/process/user/uid: expected a uid that linux.uidMappings maps (got 65536)"},
      {"an additional gid unmapped", [](json& d) { d["process"]["user"]["additionalGids"] = {1, 70000}; },
       "config.json:/process/user/additionalGids/1: expected a gid that linux.gidMappings maps (got 70000)"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    json doc = with_userns();
    k.change(doc);
    CHECK(first_line(doc) == k.line);
  }
}

TEST_CASE("the largest ids and 340 mappings are taken, one more of either is not") {
  json doc = with_userns();
  doc["linux"]["uidMappings"].push_back(mapping(4294967294u, 4294967294u, 1));  // the last id, (uid_t)-2
  CHECK(first_line(doc) == "");
  json many = json::array({mapping(0, 100000, 1)});
  for (uint32_t i = 1; i < kMaxIdMappings; ++i) many.push_back(mapping(i * 2, 200000 + i * 2, 1));
  doc["linux"]["uidMappings"] = many;
  CHECK(first_line(doc) == "");
  doc["linux"]["uidMappings"].push_back(mapping(1, 1, 1));
  CHECK(first_line(doc) == "config.json:/linux/uidMappings: expected at most 340 mappings, the kernel's limit (got 341)");
}

TEST_CASE("read for the network only, a user namespace needs no mappings there") {
  json doc = default_config();
  doc["linux"]["namespaces"].push_back({{"type", "user"}});
  Diagnostics diag;
  auto c = check_config(doc.dump(), "config.json", diag, ConfigUse::network);
  INFO(messages(c));
  CHECK(c.config);
}
