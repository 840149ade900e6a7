// A randomised crash campaign. Round after round, one of mini-runc's operations that
// change the host (create, run, delete, delete --force, net attach, net detach; a spec
// with a moved device, a veth on a bridge, dns and hosts) is SIGKILLed after a random
// delay within its usual duration, and then recovered the way a user would: `delete
// --force ID` and `cleanup`, in either order. Whatever the moment of the kill, the
// sandbox host's links come back exactly (same ifindex, MAC, MTU, up state, master,
// addresses), with its routes and mounts; no state directory and no device lease is
// left; and the id can be created again. The random delay is the experiment; all else
// waits on events (pidfds, waitpid).
//
// MR_CRASH_ROUNDS (default kDefaultRounds) and MR_CRASH_SEED (default fixed) set the
// campaign; the seed is printed, and a broken round names the seed, the round, the
// operation and the delay. scripts/crash-campaign.sh runs it for 500 rounds.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/net_cli_host.hpp"
#include "support/recovery_host.hpp"
#include "support/process.hpp"

using namespace mr;
using namespace mr::test;
namespace netns = mr::netns;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// About 25 s on the build machine; the sanitizer build runs each mini-runc several
// times slower, within the same per-test limit.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kDefaultRounds = 12;
#else
constexpr uint64_t kDefaultRounds = 50;
#endif
constexpr uint64_t kDefaultSeed = 20261201;
const std::string kId = "crash";

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 0) : fallback;
}

enum class Op { create, run, remove, force_remove, attach, detach };
constexpr std::array kOps = {Op::create, Op::run, Op::remove, Op::force_remove, Op::attach, Op::detach};

const char* name_of(Op op) {
  switch (op) {
    case Op::create: return "create";
    case Op::run: return "run";
    case Op::remove: return "delete";
    case Op::force_remove: return "delete --force";
    case Op::attach: return "net attach";
    case Op::detach: return "net detach";
  }
  return "?";
}

// One device of each kind `net attach` lends, none of them the spec's.
struct Attachment {
  std::string name;  // in the container
  std::vector<std::string> flags;
};
const std::vector<Attachment> kAttachments = {
    {"eth2", {"nic1", "--name", "eth2", "--address", "10.2.0.2/24"}},
    {"mv0", {"nic2", "--macvlan", "--name", "mv0", "--address", "10.3.0.2/24"}},
    {"eth3", {"--veth", "--name", "eth3", "--bridge", "br0", "--host-address", "10.5.0.1/24", "--address",
              "10.5.0.2/24"}},
};

// How a run of the operation under test ended.
struct Ending {
  bool killed = false;
  int status = -1;
  std::string err;
  Clock::duration took{};
};

// `mini-runc ARGS`, SIGKILLed `delay` after it was started unless it ended before (its
// pidfd says so at once); without a delay it runs to its end.
Ending run_killed_after(RuntimeCli& runc, const std::vector<std::string>& args, std::optional<Clock::duration> delay) {
  UniqueFd err(::memfd_create("stderr", MFD_CLOEXEC));
  REQUIRE(err);
  UniqueFd out;
  auto start = Clock::now();
  pid_t pid = runc.spawn(args, out, {}, {}, err.get());
  if (delay) {
    UniqueFd pidfd = open_pidfd(pid);
    pollfd p{.fd = pidfd.get(), .events = POLLIN};
    for (;;) {
      auto left = std::max(Clock::duration::zero(), start + *delay - Clock::now());
      auto s = std::chrono::duration_cast<std::chrono::seconds>(left);
      timespec ts{.tv_sec = s.count(), .tv_nsec = std::chrono::nanoseconds(left - s).count()};
      int n = ::ppoll(&p, 1, &ts, nullptr);
      if (n >= 0) {
        // Not yet reaped, so the pid is still this process's even if it has just ended.
        if (n == 0) REQUIRE(::kill(pid, SIGKILL) == 0);
        break;
      }
      REQUIRE(errno == EINTR);
    }
  }
  Ending e;
  e.status = wait_status(pid);
  e.took = Clock::now() - start;
  e.killed = e.status == 128 + SIGKILL;
  ::lseek(err.get(), 0, SEEK_SET);
  e.err = read_all(err.get());
  return e;
}

double milliseconds(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct CrashCampaign : RecoveryFixture {
  // The device registry of this test alone, so that it can be seen empty.
  std::string lease_dir = tmp.path() + "/leases";
  ScopedEnv leases_here{"MR_LEASE_DIR", lease_dir};
  // The spec again, with a workload that exits at once: for run, and for delete (which
  // wants a stopped container).
  Bundle quick{tmp.path() + "/quick"};

  CrashCampaign() {
    auto nic1 = sb.veth("nic1", "wire1");  // for net attach to move
    MUST(netns::add_address(sb.host().nl, nic1.index, prefix("192.0.2.20/24")));
    // nic0 (moved: its wire0 stays here) has an address and a route on the host.
    const char* spec = R"({"version": 1,
      "devices": [
        {"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24", "fd00:1::2/64"], "mtu": 1450},
        {"name": "eth1", "veth": {"bridge": "br0", "hostAddresses": ["10.4.0.1/24"]}, "addresses": ["10.4.0.2/24"]}
      ],
      "routes": [{"to": "default", "via": "10.1.0.1"}],
      "dns": {"nameservers": ["10.1.0.1"], "search": ["example.test"]},
      "hosts": [{"address": "10.1.0.1", "names": ["gateway"]}]})";
    for (Bundle* bundle : {&b, &quick}) std::ofstream(bundle->dir + "/network.json") << spec;
    b.args(kWaitForTerm);
    b.write();
    quick.args({"true"});
    quick.write();
  }

  // picture() and every link's ifindex: a device that came home must be the same one.
  std::string host_picture() {
    std::string out = picture();
    for (const auto& l : sb.host().snapshot().links) out += "ifindex " + l.name + " " + std::to_string(l.index) + "\n";
    return out;
  }

  void ok(const std::vector<std::string>& args) {
    auto o = runc(args);
    INFO("mini-runc " << args.front() << " " << args.at(1) << ": " << o.err);
    REQUIRE(o.status == 0);
  }

  // What is under `dir`, recursively: empty when nothing is left there.
  static std::vector<std::string> entries_under(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      out.push_back(fs::relative(it->path(), dir).string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Makes the container the operation needs; returns the operation's arguments.
  std::vector<std::string> prepare(Op op, bool started, size_t attached, size_t kind) {
    auto attach = [&](size_t k) {
      std::vector<std::string> args = {"net", "attach", kId};
      args.insert(args.end(), kAttachments[k].flags.begin(), kAttachments[k].flags.end());
      return args;
    };
    switch (op) {
      case Op::create: return {"create", "-b", b.dir, kId};
      case Op::run: return {"run", "-b", quick.dir, kId};
      case Op::remove: {
        // Stopped: its workload exited on its own.
        ok({"create", "-b", quick.dir, kId});
        if (attached < kAttachments.size()) ok(attach(attached));
        auto init = open_pidfd(runc.state(kId)["pid"].get<pid_t>());
        ok({"start", kId});
        wait_exit(init.get());
        REQUIRE(runc.state(kId)["status"] == "stopped");
        return {"delete", kId};
      }
      default: break;
    }
    ok({"create", "-b", b.dir, kId});
    if (started) ok({"start", kId});
    if (op == Op::attach) return attach(kind);
    if (attached < kAttachments.size()) ok(attach(attached));
    if (op == Op::force_remove) return {"delete", "--force", kId};
    // Detach what was attached, or else a device of the spec.
    std::string name = attached < kAttachments.size() ? kAttachments[attached].name : kind % 2 ? "eth0" : "eth1";
    return {"net", "detach", kId, name};
  }

  // What a user runs after the crash. cleanup leaves only live containers (created or
  // running), which delete --force then removes; after delete --force, cleanup finds
  // nothing. Returns whether all of that held. With `may_stop`, the workload exits by
  // itself: it may have ended after cleanup looked.
  bool recover(bool cleanup_first, bool may_stop) {
    bool held = true;
    if (cleanup_first) {
      auto c = runc({"cleanup"});
      INFO("cleanup: " << c.out << c.err);
      CHECK(c.status == 0);
      held = c.status == 0;
      if (has_state(kId)) {
        std::string st = runc.state(kId)["status"];
        bool live = st == "created" || st == "running" || (may_stop && st == "stopped");
        CHECK_MESSAGE(live, "left by cleanup: " << st);
        held = held && live;
      }
    }
    auto d = runc({"delete", "--force", kId});
    INFO("delete --force: " << d.err);
    CHECK(d.status == 0);
    held = held && d.status == 0;
    if (!cleanup_first) {
      auto c = runc({"cleanup"});
      INFO("cleanup: " << c.out << c.err);
      CHECK(c.status == 0);
      CHECK(c.out == "");
      held = held && c.status == 0 && c.out.empty();
    }
    return held;
  }

  // The host as it was, nothing left under the root or in the lease registry. Returns
  // whether all held.
  bool restored(const std::string& before) {
    auto after = settled(sb.host(), before, [&] { return host_picture(); });
    auto states = entries_under(runc.root());
    auto leases = entries_under(lease_dir);
    CHECK(after == before);
    CHECK(states == std::vector<std::string>{});
    CHECK(leases == std::vector<std::string>{});
    return after == before && states.empty() && leases.empty();
  }
};

}  // namespace

TEST_CASE_FIXTURE(CrashCampaign, "mini-runc SIGKILLed at a random moment of create or run or delete or net attach or detach leaves nothing that delete --force and cleanup do not restore") {
  const uint64_t rounds = env_number("MR_CRASH_ROUNDS", kDefaultRounds);
  const uint64_t seed = env_number("MR_CRASH_SEED", kDefaultSeed);
  MESSAGE("crash campaign: MR_CRASH_SEED=" << seed << " MR_CRASH_ROUNDS=" << rounds);
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::string before = host_picture();
  // Kills are drawn up to an operation's longest duration in the rounds that ran to their
  // end (its first round is not killed, to measure it), so that its last moments are hit
  // too: only the rounds that are not killed measure it, and the shorter ones among them
  // would shrink the spread round after round.
  std::map<Op, Clock::duration> typical;
  std::map<Op, std::array<int, 2>> endings;  // ran to their end, killed

  for (uint64_t round = 1; round <= rounds; ++round) {
    // Every draw is made in every round, so that a seed replays the same campaign.
    const Op op = kOps[pick(kOps.size())];
    const bool started = pick(2);
    const size_t attached = pick(kAttachments.size() + 1);  // kAttachments.size(): none
    const size_t kind = pick(kAttachments.size());
    const bool cleanup_first = pick(2);
    const double fraction = std::uniform_real_distribution<double>(0, 1)(rng);

    std::ostringstream what;
    what << "MR_CRASH_SEED=" << seed << " round " << round << ": " << name_of(op);
    std::string where = what.str();
    INFO(where);
    auto args = prepare(op, started, attached, kind);
    std::optional<Clock::duration> delay;
    if (auto t = typical.find(op); t != typical.end())
      delay = std::chrono::duration_cast<Clock::duration>(t->second * fraction);
    auto e = run_killed_after(runc, args, delay);
    if (!e.killed) typical[op] = std::max(typical[op], e.took);
    what << " (mini-runc";
    for (const auto& a : args) what << " " << a;
    what << ")";
    what << (delay ? ", kill after " + std::to_string(milliseconds(*delay)) + " ms" : ", not killed (timing it)")
         << (e.killed ? ": killed" : ": ended with " + std::to_string(e.status)) << " after "
         << milliseconds(e.took) << " ms; recovered by " << (cleanup_first ? "cleanup first" : "delete --force first");
    where = what.str();
    ++endings[op][e.killed];
    bool clean = e.killed || e.status == 0;
    if (!e.killed) {
      INFO("stderr: " << e.err);
      CHECK(e.status == 0);
    }
    clean = recover(cleanup_first, op == Op::run) && clean;
    clean = restored(before) && clean;
    // The id is free again.
    auto again = runc({"create", "-b", b.dir, kId});
    INFO("create again: " << again.err);
    CHECK(again.status == 0);
    auto gone = runc({"delete", "--force", kId});
    CHECK(gone.status == 0);
    clean = restored(before) && clean && again.status == 0 && gone.status == 0;
    REQUIRE_MESSAGE(clean, "broken by " << where);
  }
  std::ostringstream summary;
  for (const auto& [op, n] : endings) summary << "; " << name_of(op) << ": " << n[1] << " killed, " << n[0] << " not";
  MESSAGE("crash campaign" << summary.str());
}
