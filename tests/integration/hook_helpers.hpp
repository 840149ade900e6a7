// Shared pieces of the netns-hook tests: a bundle in a temp dir, the OCI state the
// runtime would feed on stdin, running the hook inside a sandbox, and reading back the
// network a container got.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oci/default_config.hpp"
#include "network/host_check.hpp"
#include "support/process.hpp"
#include "support/sandbox.hpp"

namespace mr::test {

// The spec the tests give their containers: host NIC nic0 moved in as eth0 with an
// address and a smaller MTU, a veth on the sandbox bridge br0 as eth1, a macvlan on the
// host NIC uplink0 as eth2, and a default route through eth1.
inline const char* const kHookSpec = R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"], "mtu": 1400},
    {"name": "eth1", "veth": {"bridge": "br0"}, "addresses": ["10.88.0.5/16"]},
    {"name": "eth2", "macvlan": {"parent": "uplink0"}, "addresses": ["203.0.113.7/24"]}
  ],
  "routes": [{"to": "default", "via": "10.88.0.1"}]
})";

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE_MESSAGE(out.good(), "write " << path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "read " << path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A "host" for hook tests: nic0 (a stand-in NIC, with an address of its own so that its
// return is visible), uplink0 (another) and the bridge br0; `before` is its state
// before any hook ran.
struct HookHost : Sandbox {
  std::string before;
  HookHost() {
    veth("nic0", "wire0");
    veth("uplink0", "wire1");
    bridge("br0");
    MUST(netns::add_address(host().nl, host().link("nic0").index, MUST(netns::IpPrefix::parse("198.51.100.1/24"))));
    before = host_state(host());
  }
};

// A bundle dir with config.json (default_config(), or the one given) and, unless empty,
// network.json; the hook's --root is ROOT below it.
struct HookBundle {
  TempDir dir;
  std::string root = dir.file("hook-root");

  explicit HookBundle(const std::string& network = kHookSpec, const nlohmann::json& config = oci::default_config()) {
    write_file(dir.file("config.json"), config.dump(2));
    if (!network.empty()) write_file(dir.file("network.json"), network);
  }
  const std::string& path() const { return dir.path(); }
  // What netns-hook keeps for container `id` while it is configured.
  std::string state_dir(const std::string& id) const { return root + "/" + id; }
};

inline std::string oci_state(const std::string& id, const std::string& status, pid_t pid, const std::string& bundle) {
  nlohmann::json s{{"ociVersion", "1.0.2"}, {"id", id}, {"status", status}, {"bundle", bundle}};
  if (pid > 0) s["pid"] = pid;
  return s.dump();
}

// netns-hook with `args` and `state` on stdin, run in the sandbox's host namespace.
inline RunResult run_hook(Sandbox& sb, const HookBundle& b, std::vector<std::string> args, const std::string& state) {
  std::vector<std::string> argv{MR_NETNS_HOOK, "--root", b.root};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, state, {.net = &sb.host().ns});
}

// The poststop stage of container `id`, as a runtime runs it once the container stopped.
inline RunResult run_poststop(Sandbox& sb, const HookBundle& b, const std::string& id) {
  return run_hook(sb, b, {}, oci_state(id, "stopped", 0, b.path()));
}

// The links of a namespace by name, sorted.
inline std::vector<std::string> link_names(Space& s) {
  std::vector<std::string> names;
  for (const auto& l : s.snapshot().links) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  return names;
}

// The route lines of host_state(s): the main table of both families, sorted.
inline std::vector<std::string> route_lines(Space& s) {
  std::vector<std::string> lines;
  std::istringstream in(host_state(s));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("route ")) lines.push_back(line);
  return lines;
}

// The container holds exactly what kHookSpec asks for, and the host lent it nic0 and
// holds the veth's other end on br0.
inline void check_configured(Sandbox& sb, pid_t pid, const std::string& id) {
  auto ctr = container_space(pid);
  CHECK(link_names(ctr) == std::vector<std::string>{"eth0", "eth1", "eth2", "lo"});
  CHECK(ctr.addresses(ctr.link("eth0").index, AF_INET) == std::vector<std::string>{"192.0.2.10/24"});
  CHECK(ctr.addresses(ctr.link("eth1").index, AF_INET) == std::vector<std::string>{"10.88.0.5/16"});
  CHECK(ctr.addresses(ctr.link("eth2").index, AF_INET) == std::vector<std::string>{"203.0.113.7/24"});
  CHECK(ctr.link("eth0").mtu == 1400);
  CHECK(ctr.link("eth2").kind == "macvlan");
  for (const char* name : {"eth0", "eth1", "eth2"}) CHECK_MESSAGE(ctr.link(name).up(), name);
  // The main table holds the spec's route (proto boot, as netns/route.cpp adds routes) and
  // the kernel's own for each address's prefix (proto kernel), nothing else.
  CHECK(route_lines(ctr) == std::vector<std::string>{
                                "route 10.88.0.0/16 dev=eth1 proto=2 metric=0",
                                "route 192.0.2.0/24 dev=eth0 proto=2 metric=0",
                                "route 203.0.113.0/24 dev=eth2 proto=2 metric=0",
                                "route default via 10.88.0.1 dev=eth1 proto=3 metric=0",
                            });
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(sb.host().link(network::derived_veth_host_name(id, 1)).master == sb.host().link("br0").index);
}

}  // namespace mr::test
