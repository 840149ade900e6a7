// Through the mini-runc binary: a failure injected at any step of a container's network
// setup, or a SIGKILL of the runtime between any two steps, leaves the host as it was
// once `run` has failed or `delete --force` has run: links, addresses, routes, mounts,
// and no state directory.
#include <doctest/doctest.h>

#include "integration/recovery_host.hpp"
#include "netns/fault.hpp"

using namespace mr::test;

namespace {

void require_fault_injection() {
  if (!mr::netns::FaultInjector::enabled())
    FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
}

// The number of steps of the full spec's setup, bounded so that a runtime that never
// gets past the injected faults fails the test instead of looping.
constexpr int kMaxSteps = 64;

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "run: a failure at any network step leaves the host as it was") {
  require_fault_injection();
  write_full_spec();
  b.write();
  const std::string before = picture();
  int n = 1;
  for (; n <= kMaxSteps; ++n) {
    CAPTURE(n);
    Outcome o;
    {
      ScopedEnv at("MR_FAIL_AT_STEP", std::to_string(n));
      o = runc({"run", "-b", b.dir, "f"});
    }
    if (o.status == 0) break;  // n is past the last step
    INFO(o.err);
    CHECK(o.status == 1);
    CHECK(o.err.find("injected fault at step " + std::to_string(n)) != std::string::npos);
    CHECK(picture() == before);
    CHECK_FALSE(has_state("f"));
  }
  // lo, 3 devices, the veth's up and host address, 5 addresses, 3 routes, 1 sysctl
  CHECK(n - 1 >= 14);
  CHECK(picture() == before);
  CHECK_FALSE(has_state("f"));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a runtime killed at any network step: delete --force restores the host") {
  require_fault_injection();
  write_full_spec();
  b.write();
  const std::string before = picture();
  int n = 1;
  for (; n <= kMaxSteps; ++n) {
    CAPTURE(n);
    auto finished = crash_at_step(runc, {"create", "-b", b.dir, "k"}, n);
    if (finished) {
      CHECK(*finished == 0);  // n is past the last step: a normal create
      auto d = runc({"delete", "--force", "k"});
      INFO(d.err);
      CHECK(d.status == 0);
      break;
    }
    CHECK(has_state("k"));  // the crash left it
    auto d = runc({"delete", "--force", "k"});
    INFO(d.err);
    CHECK(d.status == 0);
    CHECK(picture() == before);
    CHECK_FALSE(has_state("k"));
  }
  CHECK(n - 1 >= 14);
  CHECK(picture() == before);
  CHECK_FALSE(has_state("k"));
}
