// The plugin's ADD as a transaction (base/fault.hpp's injection points, through the
// binary): failing at any step of the join it leaves the host as it was and no
// attachment behind; killed at any step, the DEL the runtime sends next gives back all
// it took.
#include <doctest/doctest.h>

#include "support/cni_host.hpp"
#include "support/recovery_host.hpp"
#include "support/scoped_env.hpp"

using namespace mr;
using namespace mr::test;
using nlohmann::json;

namespace {

json published(json conf) {
  conf["runtimeConfig"] = {{"portMappings", {{{"hostPort", 8080}, {"containerPort", 80}}}}};
  return conf;
}

// The lease, the bridge and its gateway address, the host route's sysctl, the firewall,
// the veth and its host end's IPv6 link-local address, the pod's address, up, its default
// route: more than a handful of steps, whatever their exact count.
constexpr int kFewestSteps = 5;

}  // namespace

TEST_CASE_FIXTURE(CniFixture, "cni: an ADD that fails at any step leaves the host as it was") {
  require_fault_injection();
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.37.0/24", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();
  int steps = each_step([&](int n) {
    CniRun r;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      r = run("ADD", "c1", p.path, "eth0", published(config("web")));
    }
    INFO("stdout: " << r.out << " stderr: " << r.err);
    if (r.status == 0) {
      CHECK(run("DEL", "c1", p.path, "eth0", config("web")).status == 0);
      CHECK(settled_picture(before) == before);
      return false;
    }
    CHECK(r.status == 1);
    json e = r.json();
    CHECK(e["code"] == 999);
    CHECK(e.value("msg", "").find("injected fault at step " + std::to_string(n)) != std::string::npos);
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(attached("c1", "eth0"));
    CHECK_FALSE(p.space.has_link("eth0"));
    return true;
  });
  CHECK(steps >= kFewestSteps);
}

TEST_CASE_FIXTURE(CniFixture, "cni: an ADD killed at any step is given back by the DEL that follows") {
  require_fault_injection();
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.38.0/30", "--no-dns"}).status == 0);
  auto p = pod("p1");
  const std::string before = picture();
  // The runtime harness starts the plugin (its arguments unused) with the test's
  // environment: the parameters go there.
  RuntimeCli plugin{sb, tmp.file("unused"), MR_CNI_PLUGIN};
  ScopedEnv command("CNI_COMMAND", "ADD"), id("CNI_CONTAINERID", "c1"), netns("CNI_NETNS", p.path),
      ifname("CNI_IFNAME", "eth0");
  int steps = each_step([&](int n) {
    auto add = pause_at_step(plugin, {}, n, "MR_PAUSE_AT_STEP", published(config("web")).dump());
    if (!add.paused) {
      CHECK(add.status == 0);  // past the last step: a whole ADD
      CHECK(run("DEL", "c1", p.path, "eth0", config("web")).status == 0);
      CHECK(settled_picture(before) == before);
      return false;
    }
    kill_paused(add);
    auto del = run("DEL", "c1", p.path, "eth0", config("web"));
    CHECK_MESSAGE(del.status == 0, del.out, del.err);
    CHECK(settled_picture(before) == before);
    CHECK_FALSE(attached("c1", "eth0"));
    CHECK_FALSE(p.space.has_link("eth0"));
    // The /30's one address and the port are free again.
    auto again = run("ADD", "c2", p.path, "eth1", published(config("web")));
    CHECK_MESSAGE(again.status == 0, again.out);
    CHECK(run("DEL", "c2", p.path, "eth1", config("web")).status == 0);
    return true;
  });
  CHECK(steps >= kFewestSteps);
}
