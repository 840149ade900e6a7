// mounts[].uidMappings/gidMappings and the idmap/ridmap options: read into
// oci::MountIdmap, and every mapping the kernel or runc would refuse reported at its
// pointer, one line each.
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <nlohmann/json.hpp>

#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "oci/id_mapping.hpp"
#include "runtime/mount_options.hpp"
#include "support/unit/oci_test_util.hpp"

using namespace mr::oci;
using mr::test::has_problem_at;
using mr::test::messages;
using nlohmann::json;

namespace {

json range(uint64_t container_id, uint64_t host_id, uint64_t size) {
  return {{"containerID", container_id}, {"hostID", host_id}, {"size", size}};
}

// The default config with one more mount: a bind of /srv at /data, mapped 0 -> 100000.
json with_mount(json extra = json::object()) {
  json doc = default_config();
  json m = {{"destination", "/data"}, {"source", "/srv"}, {"options", {"rbind"}},
            {"uidMappings", {range(0, 100000, 65536)}}, {"gidMappings", {range(0, 100000, 65536)}}};
  for (auto& [k, v] : extra.items()) m[k] = v;
  doc["mounts"].push_back(m);
  return doc;
}

std::string mount_ptr(const json& doc) { return "/mounts/" + std::to_string(doc["mounts"].size() - 1); }

ConfigCheck check(const json& doc) {
  Diagnostics diag;
  return check_config(doc.dump(), "config.json", diag);
}

// The one problem of `doc`, as the user reads it.
std::string only_problem(const json& doc) {
  auto c = check(doc);
  INFO(messages(c));
  CHECK_FALSE(c.config);
  REQUIRE(c.problems.size() == 1);
  return c.problems[0].message();
}

}  // namespace

TEST_CASE("a bind mount with its own mappings reads back with them and ridmap is recursive") {
  json doc = with_mount({{"options", {"rbind", "ro", "ridmap"}},
                         {"uidMappings", {range(0, 100000, 1000), range(1000, 300000, 5)}},
                         {"gidMappings", {range(0, 200000, 10)}}});
  auto c = check(doc);
  INFO(messages(c));
  REQUIRE(c.config);
  const Mount& m = c.config->mounts.back();
  REQUIRE(m.idmap);
  CHECK(m.idmap->recursive);
  CHECK(m.idmap->uid == std::vector<IdMapping>{{0, 100000, 1000}, {1000, 300000, 5}});
  CHECK(m.idmap->gid == std::vector<IdMapping>{{0, 200000, 10}});
  // The option is the runtime's, never mount(2) data.
  auto opts = mr::runtime::parse_mount_options(m.options);
  CHECK(opts.data.empty());
  CHECK(opts.idmap);
  CHECK(opts.flags == MS_RDONLY);
  // Mounts without mappings have none.
  CHECK_FALSE(c.config->mounts.front().idmap);
}

TEST_CASE("mappings without an option are a non-recursive idmap and the last option counts as in runc") {
  auto plain = check(with_mount());
  REQUIRE(plain.config);
  REQUIRE(plain.config->mounts.back().idmap);
  CHECK_FALSE(plain.config->mounts.back().idmap->recursive);
  auto last = check(with_mount({{"options", {"bind", "ridmap", "idmap"}}}));
  REQUIRE(last.config);
  CHECK_FALSE(last.config->mounts.back().idmap->recursive);
  auto type_bind = check(with_mount({{"type", "bind"}, {"options", {"idmap"}}}));
  CHECK(type_bind.config);
}

TEST_CASE("an id-mapped mount that is not a bind mount is refused at its mappings") {
  json doc = with_mount({{"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid"}}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/uidMappings: id-mapped mounts are only supported for bind mounts "
                                 "(expected \"bind\" or \"rbind\" in options)");
  // The option alone on a tmpfs: at the option.
  doc = default_config();
  doc["mounts"].push_back({{"destination", "/t"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"ridmap"}}});
  auto c = check(doc);
  CHECK(has_problem_at(c, mount_ptr(doc) + "/options/0"));
}

TEST_CASE("uidMappings without gidMappings and the reverse are refused") {
  json doc = with_mount();
  doc["mounts"].back().erase("gidMappings");
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/uidMappings: expected gidMappings as well: an id-mapped mount needs both");
  doc = with_mount();
  doc["mounts"].back().erase("uidMappings");
  CHECK(has_problem_at(check(doc), mount_ptr(doc) + "/gidMappings"));
}

TEST_CASE("idmap without mappings and without a user namespace is refused at the option") {
  json doc = default_config();
  doc["mounts"].push_back({{"destination", "/data"}, {"source", "/srv"}, {"options", {"bind", "idmap"}}});
  CHECK(only_problem(doc) ==
        "config.json:" + mount_ptr(doc) +
            "/options/1: expected uidMappings and gidMappings with this option: taking the container's user "
            "namespace mappings instead is not supported");
}

TEST_CASE("mappings that are not an array get the schema's one line and no other") {
  json doc = with_mount({{"uidMappings", "0:100000:65536"}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) + "/uidMappings: expected an array (got \"0:100000:65536\")");
}

TEST_CASE("a mapping of size 0 is refused at its size") {
  json doc = with_mount({{"gidMappings", {range(0, 100000, 65536), range(70000, 200000, 0)}}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) + "/gidMappings/1/size: expected a size of at least 1");
}

TEST_CASE("an empty mapping list is refused") {
  json doc = with_mount({{"uidMappings", json::array()}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) + "/uidMappings: expected at least one mapping");
}

TEST_CASE("overlapping ranges are refused on either side naming the range they overlap") {
  json doc = with_mount({{"uidMappings", {range(0, 100000, 1000), range(999, 300000, 10)}}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/uidMappings/1/containerID: the range overlaps the containerID range of " +
                                 mount_ptr(doc) + "/uidMappings/0");
  doc = with_mount({{"gidMappings", {range(0, 100000, 1000), range(5000, 100999, 1)}}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/gidMappings/1/hostID: the range overlaps the hostID range of " + mount_ptr(doc) +
                                 "/gidMappings/0");
  // Adjacent ranges do not overlap.
  CHECK(check(with_mount({{"uidMappings", {range(0, 100000, 1000), range(1000, 101000, 1)}}})).config);
}

TEST_CASE("a range running past the last id is refused") {
  json doc = with_mount({{"uidMappings", {range(4294967295u - 10, 0, 11)}}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/uidMappings/0/containerID: containerID + size must stay below 4294967295 "
                                 "(got 4294967285 + 11)");
  CHECK(check(with_mount({{"uidMappings", {range(4294967295u - 10, 0, 10)}}})).config);
}

TEST_CASE("more than 340 mappings (the kernel's limit) are refused and 340 load") {
  json many = json::array();
  for (int i = 0; i < 341; ++i) many.push_back(range(i * 10, 100000 + i * 10, 10));
  json doc = with_mount({{"uidMappings", many}});
  CHECK(only_problem(doc) == "config.json:" + mount_ptr(doc) +
                                 "/uidMappings: expected at most 340 mappings (the kernel's limit), got 341");
  many.erase(many.size() - 1);
  CHECK(check(with_mount({{"uidMappings", many}})).config);
}

TEST_CASE("id_map_text writes one uid_map line per mapping") {
  CHECK(id_map_text({{0, 100000, 65536}, {70000, 5, 1}}) == "0 100000 65536\n70000 5 1\n");
}
