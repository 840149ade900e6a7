// The features document claims only what the loader and the init implement: each
// entry is checked against the code that takes config.json.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "oci/capability_names.hpp"
#include "oci/config_loader.hpp"
#include "oci/default_config.hpp"
#include "runtime/features.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/state.hpp"

using namespace mr::runtime;
using nlohmann::json;

namespace {

bool loads(const json& doc) {
  mr::oci::Diagnostics diag;
  return mr::oci::check_config(doc.dump(), "config.json", diag).problems.empty();
}

}  // namespace

TEST_CASE("features: the versions, hooks and annotations engines ask about") {
  json f = features_document();
  CHECK(f.at("ociVersionMin") == "1.0.0");
  CHECK(f.at("ociVersionMax") == kOciVersion);
  CHECK(f.at("hooks") ==
        json{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
  CHECK(f.at("potentiallyUnsafeConfigAnnotations") == json{"org.mini-runc.network"});
  CHECK(f.at("linux").at("netDevices").at("enabled") == true);
}

TEST_CASE("features: every mount option listed is one the runtime applies, not filesystem data") {
  json f = features_document();
  REQUIRE(f.at("mountOptions").size() > 20);
  for (const auto& o : f.at("mountOptions")) {
    std::string name = o.get<std::string>();
    CAPTURE(name);
    auto parsed = parse_mount_options({name});
    CHECK(parsed.data.empty());
    CHECK((parsed.flags != 0 || parsed.clear != 0 || !parsed.propagation.empty() || parsed.bind || parsed.idmap));
  }
}

TEST_CASE("features: every namespace and capability listed is taken by config.json") {
  json f = features_document();
  for (const auto& ns : f.at("linux").at("namespaces")) {
    CAPTURE(ns);
    CHECK(mr::oci::is_supported_namespace(ns.get<std::string>()));
  }
  bool user = false;
  for (const auto& ns : f.at("linux").at("namespaces")) user |= ns == "user";
  CHECK(user);
  // And the namespace types the loader refuses are not listed.
  for (const char* refused : {"user", "time"}) {
    bool listed = false;
    for (const auto& ns : f.at("linux").at("namespaces")) listed |= ns == refused;
    CHECK_MESSAGE(listed == mr::oci::is_supported_namespace(refused), refused);
  }
  json doc = mr::oci::default_config();
  doc["process"]["capabilities"]["bounding"] = f.at("linux").at("capabilities");
  CHECK(loads(doc));
  CHECK(f.at("linux").at("capabilities").size() == mr::oci::capability_names().size());
}

TEST_CASE("features: seccomp is claimed exactly when config.json may carry it") {
  json f = features_document();
  json doc = mr::oci::default_config();
  doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}};
  CHECK(f.at("linux").at("seccomp").at("enabled") == loads(doc));
  // Every action, operator, architecture and supported flag claimed loads.
  const json& s = f.at("linux").at("seccomp");
  for (const auto& a : s.at("actions")) {
    doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"mkdir"}}, {"action", a}}}}};
    if (a == "SCMP_ACT_ALLOW") doc["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_ERRNO";
    if (a == "SCMP_ACT_NOTIFY") doc["linux"]["seccomp"]["listenerPath"] = "/run/listener.sock";
    CHECK_MESSAGE(loads(doc), a);
  }
  for (const auto& op : s.at("operators")) {
    doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                               {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"},
                                              {"args", {{{"index", 1}, {"value", 1}, {"op", op}}}}}}}};
    CHECK_MESSAGE(loads(doc), op);
  }
  doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", s.at("archs")},
                             {"flags", s.at("supportedFlags")}};
  CHECK(loads(doc));
  for (const auto& flag : s.at("knownFlags")) {
    doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {flag}}};
    bool supported = false;
    for (const auto& sf : s.at("supportedFlags")) supported |= sf == flag;
    CHECK_MESSAGE(loads(doc) == supported, flag);
  }
}

TEST_CASE("features: cgroups v1 and v2 are claimed, systemd units and rdma are not") {
  json cg = features_document().at("linux").at("cgroup");
  CHECK(cg == json{{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}});
}

TEST_CASE("features: id-mapped mounts are claimed and a bind mount with its own mappings loads") {
  json f = features_document();
  CHECK(f.at("linux").at("mountExtensions") == json{{"idmap", {{"enabled", true}}}});
  json doc = mr::oci::default_config();
  json map = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
  doc["mounts"].push_back({{"destination", "/data"}, {"source", "/srv"}, {"options", {"rbind", "ridmap"}},
                           {"uidMappings", map}, {"gidMappings", map}});
  CHECK(loads(doc));
  // Both options are listed, and neither becomes filesystem data.
  int listed = 0;
  for (const auto& o : f.at("mountOptions")) listed += o == "idmap" || o == "ridmap";
  CHECK(listed == 2);
}
