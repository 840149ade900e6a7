// mini-runc's state-directory lock (runtime/state.hpp, base/dir_lock.hpp) between net
// commands and delete on one container: the test holds the lock itself, starts the
// commands, waits until the kernel's lock table lists them as blocked, then lets go.
// Whatever order the kernel picks, the outcome is exactly one consistent state.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include "support/net_cli_host.hpp"
#include "support/locks.hpp"

using namespace mr::test;

namespace {

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

// A running container c1 with no network, and its state directory.
struct LockHost : NetCliHost {
  std::string dir = runc.root() + "/c1";
  FileId id;
  LockHost() {
    b.args(kWaitForTerm);
    b.write();
    run_detached("c1");
    id = file_id(dir);
  }
};

}  // namespace

TEST_CASE_FIXTURE(LockHost, "two net attach of one device at once: exactly one gets it, the other says why") {
  Outcome first, second;
  {
    auto lock = hold_directory_lock(dir);
    auto a = std::async(std::launch::async, [&] { return runc({"net", "attach", "c1", "nic1", "--name", "a"}); });
    auto b2 = std::async(std::launch::async, [&] { return runc({"net", "attach", "c1", "nic1", "--name", "b"}); });
    wait_for_flock_waiters(id, 2);
    CHECK(sb.host().has_link("nic1"));  // neither got past the lock
    lock.reset();
    first = a.get();
    second = b2.get();
  }
  INFO("a: " << first.err << "b: " << second.err);
  REQUIRE(((first.status == 0) != (second.status == 0)));
  const Outcome& lost = first.status == 0 ? second : first;
  std::string winner = first.status == 0 ? "a" : "b";
  CHECK(lost.status == 1);
  CHECK(lines(lost.err) == 1);
  CHECK(lost.err.find("nic1 is in this container already (as " + winner + ")") != std::string::npos);
  auto ctr = pinned("c1");
  std::vector<std::string> names;
  for (const auto& l : ctr.snapshot().links) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{winner, "lo"});
  CHECK_FALSE(sb.host().has_link("nic1"));

  ok({"delete", "--force", "c1"});
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(LockHost, "net attach and delete at once: either order leaves the host as it was") {
  auto lock = hold_directory_lock(dir);
  auto del = std::async(std::launch::async, [&] { return runc({"delete", "--force", "c1"}); });
  wait_for_flock_waiters(id);
  auto attach = std::async(std::launch::async, [&] { return runc({"net", "attach", "c1", "nic1", "--name", "eth1"}); });
  wait_for_flock_waiters(id, 2);
  lock.reset();
  auto d = del.get(), a = attach.get();
  INFO("delete: " << d.err << "attach: " << a.err);
  CHECK(d.status == 0);
  if (a.status != 0) {  // the delete went first: no container left to attach to
    CHECK(a.status == 1);
    CHECK(lines(a.err) == 1);
    CHECK(a.err.find("net attach: no container \"c1\"") != std::string::npos);
  }
  CHECK(settled_host_state(sb.host(), before) == before);  // an attached nic1 came home with the delete
  CHECK_FALSE(std::filesystem::exists(dir));
}
