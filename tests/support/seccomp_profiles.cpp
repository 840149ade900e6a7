#include "support/seccomp_profiles.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include "support/files.hpp"

namespace mr::test {

namespace {

using nlohmann::json;

bool contains(const json& list, const std::string& s) {
  return std::any_of(list.begin(), list.end(), [&s](const json& v) { return v == s; });
}

// "4.8" <= the running kernel's release.
bool kernel_at_least(const std::string& min) {
  utsname u{};
  ::uname(&u);
  int have_major = 0, have_minor = 0, want_major = 0, want_minor = 0;
  std::sscanf(u.release, "%d.%d", &have_major, &have_minor);
  std::sscanf(min.c_str(), "%d.%d", &want_major, &want_minor);
  return have_major > want_major || (have_major == want_major && have_minor >= want_minor);
}

}  // namespace

json oci_seccomp_from_profile(const json& profile, const std::vector<std::string>& caps) {
  auto has_cap = [&caps](const json& c) { return std::find(caps.begin(), caps.end(), c.get<std::string>()) != caps.end(); };
  json out = {{"defaultAction", profile.at("defaultAction")}};
  if (profile.contains("defaultErrnoRet")) out["defaultErrnoRet"] = profile.at("defaultErrnoRet");
  for (const auto& m : profile.at("archMap"))
    if (m.at("architecture") == "SCMP_ARCH_X86_64") {
      out["architectures"] = json::array({m.at("architecture")});
      for (const auto& sub : m.value("subArchitectures", json::array())) out["architectures"].push_back(sub);
    }
  out["syscalls"] = json::array();
  for (const auto& s : profile.at("syscalls")) {
    const json inc = s.value("includes", json::object());
    const json exc = s.value("excludes", json::object());
    if (inc.contains("arches") && !contains(inc.at("arches"), "amd64")) continue;
    if (inc.contains("caps") && !std::all_of(inc.at("caps").begin(), inc.at("caps").end(), has_cap)) continue;
    if (inc.contains("minKernel") && !kernel_at_least(inc.at("minKernel"))) continue;
    if (exc.contains("arches") && contains(exc.at("arches"), "amd64")) continue;
    if (exc.contains("caps") && std::any_of(exc.at("caps").begin(), exc.at("caps").end(), has_cap)) continue;
    json rule = {{"names", s.at("names")}, {"action", s.at("action")}};
    if (s.contains("errnoRet")) rule["errnoRet"] = s.at("errnoRet");
    if (s.contains("args") && !s.at("args").is_null()) rule["args"] = s.at("args");
    out["syscalls"].push_back(std::move(rule));
  }
  return out;
}

json docker_default_profile() {
  return json::parse(read_file(std::string(MR_SECCOMP_PROFILES_DIR) + "/docker-default.json"));
}

json podman_default_profile() { return json::parse(read_file("/usr/share/containers/seccomp.json")); }

}  // namespace mr::test
