// Many runtimes at once on one host: parallel runs on one bridge, two creates of one id,
// two containers after one device.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "support/apply_helpers.hpp"
#include "support/recovery_host.hpp"
#include "netns/address.hpp"
#include "support/udp.hpp"
#include "support/wait.hpp"

using namespace mr;
using namespace mr::test;
namespace fs = std::filesystem;

namespace {

constexpr int kParallel = 50;

bool root_is_empty(const std::string& root) { return !fs::exists(root) || fs::is_empty(root); }

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "50 parallel runs on one bridge all reach it and leave nothing") {
  auto br0 = sb.host().link("br0");
  MUST(mr::netns::add_address(sb.host().nl, br0.index, prefix("10.50.0.1/24")));
  fs::create_symlink("busybox", b.rootfs() + "/bin/nc");
  // Each workload connects to the host's end of the bridge; TCP's own SYN retries cover
  // the moment its bridge port takes to forward.
  b.args({"sh", "-c", "echo hi | nc 10.50.0.1 7777"});
  b.write();
  const std::string before = picture();
  auto server_ip = ip("10.50.0.1");
  UniqueFd server = socket_in(sb.host(), AF_INET, SOCK_STREAM, &server_ip);
  REQUIRE(::listen(server.get(), kParallel * 2) == 0);

  std::vector<pid_t> runs;
  std::vector<UniqueFd> outs(kParallel);
  std::set<std::string> expected;
  for (int i = 0; i < kParallel; ++i) {
    std::string address = "10.50.0." + std::to_string(10 + i);
    expected.insert(address);
    std::string spec = tmp.file("net" + std::to_string(i) + ".json");
    std::ofstream(spec) << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}, "addresses": [")"
                        << address << R"(/24"]}]})";
    runs.push_back(runc.spawn({"run", "-b", b.dir, "--network", spec, "par" + std::to_string(i)}, outs[i]));
  }
  // Every container's connection, by its source address; a connection is closed once
  // its line is read, which lets its nc (and so its workload) end.
  std::set<std::string> seen;
  while (seen.size() < expected.size()) {
    REQUIRE_MESSAGE(wait_ready(server.get(), POLLIN, 30000), "only " << seen.size() << " containers connected");
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd conn(::accept4(server.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
    REQUIRE(conn);
    char line[3] = {};
    REQUIRE(::recv(conn.get(), line, sizeof line, MSG_WAITALL) == 3);
    CHECK(std::string(line, 3) == "hi\n");
    CHECK(seen.insert(address_of(peer).to_string()).second);
  }
  CHECK(seen == expected);
  for (pid_t pid : runs) CHECK(wait_status(pid) == 0);
  CHECK(settled_picture(before) == before);
  CHECK(root_is_empty(runc.root()));
}

TEST_CASE_FIXTURE(RecoveryFixture, "two creates of one id at once: exactly one wins, the other says why") {
  require_fault_injection();
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "veth": {"bridge": "br0"}}]})";
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  const std::string before = picture();
  // The first create is held half way through its network (before its veth, step 2)
  // while the second runs from start to end: they overlap for certain.
  auto first = pause_at_step(runc, {"create", "-b", b.dir, "same"}, 2);
  REQUIRE(first.paused);
  CHECK(has_state("same"));
  auto second = runc({"create", "-b", b.dir, "same"});
  CHECK(second.status == 1);
  CHECK(second.err == "mini-runc: error: container \"same\" already exists: File exists\n");
  auto won = resume_paused(first);
  INFO(won.err);
  CHECK(won.status == 0);
  CHECK(runc.state("same")["status"] == "created");
  CHECK(runc({"delete", "--force", "same"}).status == 0);
  CHECK(settled_picture(before) == before);
  CHECK(root_is_empty(runc.root()));
}

TEST_CASE_FIXTURE(RecoveryFixture, "two containers after one host device: one gets it, the other fails, it comes home") {
  require_fault_injection();
  std::ofstream(b.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"]}]})";
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  const std::string before = picture();
  const int nic0 = sb.host().link("nic0").index;
  // "one" is held at step 2 (lo is step 1), its move of nic0 recorded and nic0 leased
  // but not yet moved, or at step 3, nic0 moved: "two" runs from start to end in
  // between. At 2 the lease refuses "two" and names "one"; at 3 "two" finds no nic0 on
  // the host, and its lease still names "one".
  for (int step : {2, 3}) {
    CAPTURE(step);
    auto first = pause_at_step(runc, {"create", "-b", b.dir, "one"}, step);
    REQUIRE(first.paused);
    CHECK(sb.host().has_link("nic0") == (step == 2));
    auto second = runc({"create", "-b", b.dir, "two"});
    auto resumed = resume_paused(first);
    INFO(second.err << resumed.err);
    const Outcome& winner = resumed;
    const Outcome& loser = second;
    const std::string won = "one", lost = "two";
    CHECK(winner.status == 0);
    CHECK(loser.status == 1);
    CHECK(std::count(loser.err.begin(), loser.err.end(), '\n') == 1);
    CHECK(loser.err.starts_with("mini-runc: error: " + b.dir + "/network.json:/devices/0"));
    CHECK(loser.err.find("nic0") != std::string::npos);
    CHECK(loser.err.find("container \"one\" (" + runc.root() + "/one) holds it: lent to it") != std::string::npos);
    CHECK_FALSE(has_state(lost));
    // The winner has it, as eth0 with its address.
    {
      auto ctr = container_space(runc.state(won)["pid"]);
      auto eth0 = ctr.link("eth0");
      CHECK(eth0.index == nic0);
      CHECK(ctr.addresses(eth0.index, AF_INET) == std::vector<std::string>{"10.1.0.2/24"});
    }
    CHECK(runc({"delete", "--force", won}).status == 0);
    CHECK(settled_picture(before) == before);
    CHECK(sb.host().link("nic0").index == nic0);
    CHECK(root_is_empty(runc.root()));
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "a device of the same name lent on another host is not named as this host's") {
  // Two hosts (sandboxes) share the lease registry, as tests running beside each other
  // do: "elsewhere" lends its own nic7 to a container; this host has no nic7 at all.
  Sandbox elsewhere;
  elsewhere.veth("nic7", "wire7");
  RuntimeCli other_runc{elsewhere, tmp.path() + "/root-elsewhere"};
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic7"}]})";
  b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  b.write();
  REQUIRE(other_runc({"create", "-b", b.dir, "holder"}).status == 0);
  CHECK_FALSE(elsewhere.host().has_link("nic7"));

  const std::string before = picture();
  auto here = runc({"create", "-b", b.dir, "here"});
  CHECK(refused(here, before, "here") ==
        "mini-runc: error: " + b.dir + "/network.json:/devices/0/move: host device \"nic7\" does not exist");
  CHECK(here.err.find("holder") == std::string::npos);

  CHECK(other_runc({"delete", "--force", "holder"}).status == 0);
  CHECK(elsewhere.host().has_link("nic7"));
}
