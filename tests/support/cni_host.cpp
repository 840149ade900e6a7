#include "support/cni_host.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "netns/address_pool.hpp"
#include "netns/lease.hpp"
#include "support/files.hpp"
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

CniClientFixture::CniClientFixture() {
  std::filesystem::create_directories(tmp.file("leases"));
  std::filesystem::create_directories(tmp.file("pools"));
}

json CniClientFixture::conflist(const std::string& name, const std::string& network) {
  json plugin = config(network);
  plugin.erase("cniVersion");
  plugin.erase("name");
  plugin["capabilities"] = {{"portMappings", true}};
  return {{"cniVersion", "1.0.0"}, {"name", name}, {"plugins", json::array({plugin})}};
}

std::vector<std::string> CniClientFixture::holdings() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(tmp.file("pools"))) {
    std::string name = e.path().filename();
    if (!e.is_regular_file() || !netns::IpAddress::parse(name)) continue;  // "last-ipv4", "bridge": no holding
    auto holder = MUST(netns::decode_address_holder(read_file(e.path())));
    out.push_back("address " + name + ": " + holder.id);
  }
  for (const auto& e : fs::recursive_directory_iterator(tmp.file("leases"))) {
    if (!e.is_regular_file()) continue;
    auto holder = MUST(netns::decode_lease(read_file(e.path())));
    out.push_back("device lease " + e.path().parent_path().filename().string() + ": " + holder.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void CniClientFixture::check_joined(Space& pod, const std::string& address, const std::string& gateway,
                                    const std::string& id) {
  auto eth0 = pod.link("eth0");
  CHECK(eth0.up());
  CHECK(pod.addresses(eth0.index, AF_INET) == std::vector<std::string>{address});
  auto via = netns::IpAddress::parse(gateway);
  REQUIRE(via);
  bool default_route = false;
  for (const auto& r : pod.routes(AF_INET)) default_route |= r.is_default() && r.oif == eth0.index && r.gateway == *via;
  CHECK(default_route);
  auto held = holdings();
  REQUIRE(held.size() == 2);
  CHECK(held[0] == "address " + address.substr(0, address.find('/')) + ": " + id);
  CHECK(held[1].starts_with("device lease "));
  CHECK(held[1].ends_with(": " + id));
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

json port_element(uint16_t port, const std::string& id, json value, const char* proto) {
  return json::array({json{{"elem", {{"comment", id}, {"val", {{"concat", json::array({proto, port})}}}}}}, value});
}

}  // namespace mr::test
