#include "runtime/cgroup_freezer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/unique_fd.hpp"

namespace mr::runtime {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFreezeTimeout = std::chrono::seconds(10);

bool v2_frozen(const std::string& dir) {
  auto events = read_cgroup_file(dir, "cgroup.events");
  return events && events->find("frozen 1") != std::string::npos;
}

Result<void> freeze_v2(const std::string& dir, bool frozen) {
  UniqueFd events(::open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
  if (!events) return fail(errno, "open " + dir + "/cgroup.events");
  MR_TRY(write_cgroup_file(dir, "cgroup.freeze", frozen ? "1" : "0"));
  auto deadline = Clock::now() + kFreezeTimeout;
  // A change of cgroup.events wakes poll() with POLLPRI (cgroups(7)).
  while (v2_frozen(dir) != frozen) {
    if (Clock::now() >= deadline) return fail(ETIMEDOUT, std::string(frozen ? "freeze " : "thaw ") + dir);
    pollfd p{.fd = events.get(), .events = POLLPRI};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) return fail(errno, "wait on cgroup.events");
  }
  return {};
}

// v1 has no event for it: freezer.state is read back (and FROZEN written again, as
// runc does, for tasks that forked while the first write was under way).
Result<void> freeze_v1(const std::string& dir, bool frozen) {
  std::string want = frozen ? "FROZEN" : "THAWED";
  auto deadline = Clock::now() + kFreezeTimeout;
  for (;;) {
    MR_TRY(write_cgroup_file(dir, "freezer.state", want));
    auto state = MR_TRY_VALUE(read_cgroup_file(dir, "freezer.state"));
    if (state.starts_with(want)) return {};
    if (Clock::now() >= deadline) return fail(ETIMEDOUT, "freezer.state of " + dir + " is " + state);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

Result<void> freeze_cgroup(const ContainerCgroups& cg, bool frozen) {
  if (std::string dir = cg.dir("freezer"); !dir.empty()) return freeze_v1(dir, frozen);
  if (std::string dir = cg.dir("unified"); !dir.empty() && ::access((dir + "/cgroup.freeze").c_str(), F_OK) == 0)
    return freeze_v2(dir, frozen);
  return fail(ENOTSUP, "the container's cgroups have no freezer (no v1 freezer controller, no v2 cgroup.freeze)");
}

bool cgroup_frozen(const ContainerCgroups& cg) {
  if (std::string dir = cg.dir("freezer"); !dir.empty()) {
    auto state = read_cgroup_file(dir, "freezer.state");
    return state && state->starts_with("FROZEN");
  }
  if (std::string dir = cg.dir("unified"); !dir.empty()) {
    auto f = read_cgroup_file(dir, "cgroup.freeze");
    return f && f->starts_with("1");
  }
  return false;
}

}  // namespace mr::runtime
