#include "support/net_cli_host.hpp"

#include <algorithm>

#include "support/apply_helpers.hpp"

namespace mr::test {

using json = nlohmann::ordered_json;

NetCliHost::NetCliHost() {
  auto& host = sb.host();
  auto wire = sb.veth_into(peer, "nic0", "wire0");
  MUST(netns::add_address(host.nl, host.link("nic0").index, prefix("198.51.100.1/24")));
  MUST(netns::add_address(peer.nl, wire.index, prefix("10.0.0.2/24")));
  MUST(netns::add_address(peer.nl, wire.index, prefix("fd00::2/64"), {.no_dad = true}));
  sb.veth("nic1", "wire1");
  sb.veth("nic2", "wire2");
  sb.bridge("br0");
  before = host_state(host);
}

Outcome NetCliHost::ok(const std::vector<std::string>& args) {
  auto o = runc(args);
  INFO("mini-runc " << args.front() << " " << (args.size() > 1 ? args[1] : "") << ": " << o.err);
  REQUIRE(o.status == 0);
  return o;
}

std::string NetCliHost::refused(const std::vector<std::string>& args) {
  auto o = runc(args);
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  CHECK(o.err.starts_with("mini-runc: error: "));
  CHECK(o.out.empty());
  return o.err;
}

int NetCliHost::run_detached(const std::string& id, std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", "-d", "-b", b.dir};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(id);
  ok(args);
  int pid = runc.state(id)["pid"];
  REQUIRE(pid > 0);
  return pid;
}

Space NetCliHost::pinned(const std::string& id) { return mr::test::pinned(runc, id); }

Space pinned(const RuntimeCli& runc, const std::string& id) {
  auto ns = MUST(netns::Netns::open_path(runc.root() + "/" + id + "/netns"));
  auto nl = MUST(netns::NlSocket::open_in(ns));
  return Space{std::move(ns), std::move(nl)};
}

json NetCliHost::show(const std::string& id) { return json::parse(ok({"net", "show", "--json", id}).out); }

const json& shown_link(const json& view, const std::string& name) {
  for (const auto& l : view["links"])
    if (l["name"] == name) return l;
  FAIL("no link " << name << " in " << view.dump());
  return view;  // not reached: FAIL throws
}

}  // namespace mr::test
