#include "support/cni_host.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "support/firewall_host.hpp"
#include "support/process.hpp"

extern char** environ;

namespace mr::test {

using nlohmann::json;

json CniRun::json() const {
  auto doc = json::parse(out, nullptr, false);
  if (doc.is_discarded()) FAIL("the plugin's stdout is not JSON: " << out << " (stderr: " << err << ")");
  return doc;
}

CniFixture::CniFixture() {
  // The plugin makes its state directory a shared mount point at its first ADD and keeps it.
  kept_mounts.push_back(state);
  std::filesystem::create_directories(tmp.file("pods"));
}

CniPod CniFixture::pod(const std::string& name) {
  CniPod p{Space::make(), tmp.file("pods/" + name)};
  MUST(p.space.ns.pin(p.path));
  return p;
}

void CniFixture::remove_pod(CniPod& pod) {
  MUST(netns::Netns::unpin(pod.path));
  pod.space = Space::make();  // the old namespace's last fd and socket of the test go
}

json CniFixture::config(const std::string& network, const std::string& version) {
  return {{"cniVersion", version}, {"name", network + "-net"}, {"type", "mini-runc-cni"}, {"network", network},
          {"networkDir", networks}, {"stateDir", state}};
}

CniRun CniFixture::cni(const std::map<std::string, std::string>& cni_env, const std::string& stdin_text) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (!std::string_view(*e).starts_with("CNI_")) env.emplace_back(*e);
  for (const auto& [k, v] : cni_env) env.push_back(k + "=" + v);
  auto r = run_program({MR_CNI_PLUGIN}, stdin_text, {.net = &sb.host().ns, .env = &env});
  return {r.exit_code, r.out, r.err};
}

CniRun CniFixture::run(const std::string& command, const std::string& id, const std::string& netns,
                       const std::string& ifname, const json& conf) {
  std::map<std::string, std::string> env{{"CNI_COMMAND", command}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", ifname},
                                         {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"}};
  if (!netns.empty()) env["CNI_NETNS"] = netns;
  return cni(env, conf.dump());
}

bool CniFixture::attached(const std::string& id, const std::string& ifname) {
  return std::filesystem::exists(state + "/" + id + ":" + ifname);
}

json nft_elements(const std::string& listing, const std::string& name) {
  const json doc = json::parse(listing);
  const json& objects = doc.is_object() ? doc["nftables"] : doc;
  for (const auto& o : objects)
    for (const char* kind : {"set", "map"})
      if (o.contains(kind) && o[kind]["name"] == name) return o[kind].value("elem", json::array());
  FAIL("no set or map " << name << " in " << listing);
  return {};
}

}  // namespace mr::test
