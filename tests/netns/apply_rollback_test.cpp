#include <doctest/doctest.h>
#include <stdlib.h>

#include "support/apply_full_config.hpp"
#include "support/scoped_env.hpp"
#include "base/fault.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

TEST_CASE("a failure at any step of apply leaves the host exactly as it was") {
  if (!FaultInjector::enabled()) FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
  auto cfg = full_config();
  int steps = 0;
  {
    FullHost h;
    auto ctr = h.sb.child();
    TempDir dir;
    auto journal = MUST(Journal::open(dir.file("j")));
    auto t = targets(h.sb, ctr);
    steps = MUST(apply(cfg, t, journal)).steps;
  }
  // loopback, 4 devices, eth1's kept address, the veth's host address, 5
  // addresses, 4 devices up, 4 routes, 1 sysctl
  CHECK(steps == 21);
  for (int n = 1; n <= steps; ++n) {
    CAPTURE(n);
    FullHost h;
    std::string before = host_state(h.sb.host());
    auto ctr = h.sb.child();
    TempDir dir;
    auto journal = MUST(Journal::open(dir.file("j")));
    auto t = targets(h.sb, ctr);
    std::vector<Error> rollback_failures;
    Result<AppliedNetwork> r;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      r = apply(cfg, t, journal, &rollback_failures);
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().err == ECANCELED);
    CHECK(r.error().message().find("injected fault at step " + std::to_string(n)) != std::string::npos);
    for (auto& f : rollback_failures) FAIL_CHECK(f.message());
    CHECK(settled_host_state(h.sb.host(), before) == before);
    CHECK(ctr.snapshot().links.size() == 1);
    CHECK(journal.pending().empty());
    CHECK(MUST(Journal::open(dir.file("j"))).pending().empty());
  }
}

TEST_CASE("a kernel refusal half way gives back what was already moved and names the device") {
  FullHost h;
  std::string before = host_state(h.sb.host());
  auto ctr = h.sb.child();
  // "eth1" is taken in the container: the second move is renamed after it has already
  // changed namespace (do_setlink() moves first), so the kernel fails it half done.
  MUST(create_veth(ctr.nl, {.name = "eth1", .peer_name = "x1"}));
  std::string ctr_before = host_state(ctr);
  TempDir dir;
  auto journal = MUST(Journal::open(dir.file("j")));
  auto t = targets(h.sb, ctr);
  std::vector<Error> rollback_failures;
  auto r = apply(full_config(), t, journal, &rollback_failures);
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EEXIST);
  CHECK(r.error().pointer == "/devices/1");
  CHECK(r.error().message().find("device eth1") != std::string::npos);
  CHECK(rollback_failures.empty());
  CHECK(settled_host_state(h.sb.host(), before) == before);
  CHECK(settled_host_state(ctr, ctr_before) == ctr_before);  // its own eth1 is left alone
}
