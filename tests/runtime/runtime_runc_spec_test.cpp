// runc's own default bundle (`runc spec`: its capabilities with an ambient set, its
// device cgroup rules, its cgroup mount, its masked paths) runs under mini-runc with no
// warning at all, and the process gets what the config says.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;

TEST_CASE_FIXTURE(MiniRuncFixture, "runc's default bundle runs with no warning") {
  // `runc spec` writes config.json in its working directory; the rootfs is ours.
  auto spec = run_program({MR_RUNC, "spec", "--bundle", b.dir});
  REQUIRE_MESSAGE(spec.exit_code == 0, spec.err);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(b.dir + "/config.json"));
  config["process"]["terminal"] = false;
  config["process"]["args"] = {"sh", "-c", "grep -E '^Cap(Prm|Eff|Bnd|Amb):' /proc/self/status; hostname"};
  config["root"]["path"] = "rootfs";
  b.config = config;
  b.write();
  auto o = runc({"run", "-b", b.dir, "runcspec"});
  CHECK(o.status == 0);
  CHECK(o.err == "");
  // runc's default: CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE (bits 29, 5, 10),
  // none of them ambient (they are not inheritable, and the kernel raises no other).
  CHECK(o.out == "CapPrm:\t0000000020000420\nCapEff:\t0000000020000420\nCapBnd:\t0000000020000420\n"
                 "CapAmb:\t0000000000000000\nrunc\n");
}
