// What the kernel refuses, told the way bad input is: one line naming the spec file and
// the JSON pointer of the device, route or sysctl, and the host as it was.
// - Refusals only the kernel knows, met while applying (a route through the container's
//   own address, a sysctl value out of range, a macvlan MTU above its parent's): create,
//   run and netns-hook's configure roll back and print `FILE:/routes/0: ...`.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "integration/hook_helpers.hpp"
#include "integration/hostile_docs.hpp"
#include "integration/recovery_host.hpp"

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
      write_text(file, row.spec);
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
  write_text(file, apply_time_rows()[1].spec);
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
