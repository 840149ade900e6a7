// What the kernel refuses, told the way bad input is: one line naming the spec file and
// the JSON pointer of the device, route or sysctl, and the host as it was.
// - Refusals only the kernel knows, met while applying (a route through the container's
//   own address, a sysctl value out of range, a macvlan MTU above its parent's): create,
//   run and netns-hook's configure roll back and print `FILE:/routes/0: ...`.
// - Refusals that can be known beforehand (moving a bridge, `::/0` on a device, the
//   names "all" and "default", two passthru macvlans on one parent): validate lists them
//   all, create refuses with the first, and nothing is touched.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/hook_helpers.hpp"
#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"

using namespace mr::test;
using nlohmann::json;

namespace {

const std::string kId = "refused";

struct Row {
  std::string kind;
  std::string spec;
  std::string pointer;  // where the line points
  std::string says;     // a part of what the line says after the pointer
};

// Each spec also makes a veth on br0 (and a macvlan), so that the rollback has something
// on the host to undo. nic2 is 1500 bytes wide.
std::vector<Row> apply_time_rows() {
  return {
      {"a route through the container's own address",
       R"({"version": 1,
           "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["fd00:4::2/64"]}],
           "routes": [{"to": "fd09::/64", "via": "fd00:4::2"}]})",
       "/routes/0", "Gateway can not be a local address"},
      {"a sysctl value out of the kernel's range",
       R"({"version": 1,
           "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.4.0.2/24"]}],
           "sysctl": {"net.ipv4.ip_default_ttl": "70000"}})",
       "/sysctl/net.ipv4.ip_default_ttl", "Invalid argument"},
      {"a macvlan MTU above its parent's",
       R"({"version": 1,
           "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["10.4.0.2/24"]},
                       {"name": "mv0", "macvlan": {"parent": "nic2"}, "mtu": 9000}]})",
       "/devices/1", "create macvlan mv0"},
  };
}

// "PROGRAM: error: FILE:POINTER: " starts the line, and `says` is in it.
void check_line(const std::string& line, const std::string& program, const std::string& file, const Row& row) {
  INFO(row.kind << ": " << line);
  CHECK(line.starts_with(program + ": error: " + file + ":" + row.pointer + ": "));
  CHECK(line.find(row.says) != std::string::npos);
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "a spec the kernel refuses while applying is one line at its pointer, host unchanged") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  for (const auto& row : apply_time_rows()) {
    for (std::string cmd : {"create", "run"}) {
      CAPTURE(row.kind);
      CAPTURE(cmd);
      write_file(file, row.spec);
      // The kernel's refusal, not a check of ours: validate finds nothing.
      auto checked = runc({"validate", "-b", b.dir});
      CHECK_MESSAGE(checked.status == 0, checked.err);
      check_line(refused(runc({cmd, "-b", b.dir, kId}), before, kId), "mini-runc", file, row);
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "--log-format json gives a kernel refusal its file and pointer") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  write_file(file, apply_time_rows()[1].spec);
  auto o = runc({"--log-format", "json", "create", "-b", b.dir, kId});
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  auto lines = lines_of(o.err);
  REQUIRE(lines.size() == 1);
  auto j = json::parse(lines[0]);
  CHECK(j["file"] == file);
  CHECK(j["pointer"] == "/sysctl/net.ipv4.ip_default_ttl");
  CHECK(j["errno"] == EINVAL);
  CHECK(picture() == before);
}

TEST_CASE("netns-hook tells a kernel refusal at the pointer of the setting, host unchanged") {
  for (const auto& row : apply_time_rows()) {
    CAPTURE(row.kind);
    HookHost sb;
    std::string spec = row.spec;
    // The hook's host has uplink0 where the runtime tests' has nic2.
    if (auto at = spec.find("nic2"); at != std::string::npos) spec.replace(at, 4, "uplink0");
    HookBundle b(spec);
    StandInContainer ctr;
    auto r = run_hook(sb, b, {}, oci_state(kId, "created", ctr.pid(), b.path()));
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 1);
    REQUIRE(r.err_lines().size() == 1);
    check_line(r.err_lines()[0], "netns-hook", b.path() + "/network.json", row);
    CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
    CHECK_FALSE(std::filesystem::exists(b.state_dir(kId)));
    auto inside = container_space(ctr.pid());
    CHECK(link_names(inside) == std::vector<std::string>{"lo"});
  }
}

namespace {

// What the kernel would refuse, known beforehand: each alone, the line create gives.
std::vector<Row> known_rows() {
  return {
      {"moving a bridge", R"({"version": 1, "devices": [{"name": "eth0", "move": "br0"}]})", "/devices/0/move",
       "host device \"br0\" (a bridge) cannot leave the host's network namespace: the kernel keeps it there "
       "(netns-local)"},
      {"::/0 on a device",
       R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": ["::/0"]}]})",
       "/devices/0/addresses/0", "address ::/0: the unspecified address :: is not an address a device can have"},
      {"0.0.0.0/0 on a veth's host end",
       R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0", "hostAddresses": ["0.0.0.0/0"]}}]})",
       "/devices/0/veth/hostAddresses/0",
       "address 0.0.0.0/0: the unspecified address 0.0.0.0 is not an address a device can have"},
      {"a device named all", R"({"version": 1, "devices": [{"name": "all", "veth": {"bridge": "br0"}}]})",
       "/devices/0/name", "interface name \"all\" is reserved (it names /proc/sys/net/*/conf/all)"},
      {"a veth host end named default",
       R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0", "hostName": "default"}}]})",
       "/devices/0/veth/hostName", "interface name \"default\" is reserved (it names /proc/sys/net/*/conf/default)"},
      {"two passthru macvlans on one parent",
       R"({"version": 1, "devices": [{"name": "m0", "macvlan": {"parent": "nic2", "mode": "passthru"}},
                                     {"name": "m1", "macvlan": {"parent": "nic2", "mode": "passthru"}}]})",
       "/devices/1/macvlan/mode",
       "host device \"nic2\" has a macvlan already (at FILE:/devices/0); a passthru macvlan must be its parent's "
       "only one"},
      {"a passthru macvlan beside another on its parent",
       R"({"version": 1, "devices": [{"name": "m0", "macvlan": {"parent": "nic2", "mode": "passthru"}},
                                     {"name": "m1", "macvlan": {"parent": "nic2", "mode": "private"}}]})",
       "/devices/1/macvlan/parent",
       "host device \"nic2\" has a passthru macvlan already (at FILE:/devices/0); a passthru macvlan must be its "
       "parent's only one"},
  };
}

std::string with_file(std::string says, const std::string& file) {
  if (auto at = says.find("FILE"); at != std::string::npos) says.replace(at, 4, file);
  return says;
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "what the kernel would refuse is caught before anything changes, at its pointer") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  for (const auto& row : known_rows()) {
    CAPTURE(row.kind);
    write_file(file, row.spec);
    const std::string line = "mini-runc: error: " + file + ":" + row.pointer + ": " + with_file(row.says, file);
    auto checked = runc({"validate", "-b", b.dir});
    CHECK(checked.status == 1);
    CHECK(lines_of(checked.err) == std::vector<std::string>{line});
    for (std::string cmd : {"create", "run"}) {
      CAPTURE(cmd);
      CHECK(refused(runc({cmd, "-b", b.dir, kId}), before, kId) == line);
    }
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "validate lists every such problem of a spec, and create refuses with the first") {
  b.write();
  const std::string before = picture();
  const std::string file = b.dir + "/network.json";
  write_file(file, R"({"version": 1, "devices": [
      {"name": "all", "macvlan": {"parent": "nic0"}},
      {"name": "eth1", "macvlan": {"parent": "nic0"}, "addresses": ["::/0"]},
      {"name": "m0", "macvlan": {"parent": "nic2", "mode": "passthru"}},
      {"name": "m1", "macvlan": {"parent": "nic2", "mode": "passthru"}},
      {"name": "eth4", "move": "br0"}]})");
  auto checked = runc({"validate", "-b", b.dir});
  INFO("stderr: " << checked.err);
  CHECK(checked.status == 1);
  const std::string at = "mini-runc: error: " + file + ":";
  auto lines = lines_of(checked.err);
  CHECK(lines == std::vector<std::string>{
      at + "/devices/0/name: interface name \"all\" is reserved (it names /proc/sys/net/*/conf/all)",
      at + "/devices/1/addresses/0: address ::/0: the unspecified address :: is not an address a device can have",
      at + "/devices/3/macvlan/mode: host device \"nic2\" has a macvlan already (at " + file +
          ":/devices/2); a passthru macvlan must be its parent's only one",
      // A spec with other problems still has its host devices looked up.
      at + "/devices/4/move: host device \"br0\" (a bridge) cannot leave the host's network namespace: the kernel "
           "keeps it there (netns-local)",
  });
  CHECK(refused(runc({"create", "-b", b.dir, kId}), before, kId) == lines.front());
}
