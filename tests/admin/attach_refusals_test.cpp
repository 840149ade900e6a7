// attach/detach refusals, through the library (netns/attach.hpp, netns/detach.hpp) and
// through `mini-runc net`: each is an error naming the problem (on the command line, exit
// status 1 and one line), and the host, the containers and the journal's pending steps
// are as they were.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/scoped_env.hpp"
#include "base/fault.hpp"
#include "support/net_cli_host.hpp"
#include "netns/attach.hpp"
#include "netns/container_network.hpp"
#include "netns/detach.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

std::vector<uint64_t> pending_seqs(const std::string& journal_path) {
  auto journal = MUST(Journal::open(journal_path));
  std::vector<uint64_t> out;
  for (const JournalEntry* e : journal.pending()) out.push_back(e->seq);
  return out;
}

// Two containers on one sandbox host: A started with a veth "eth0" on br0 and nic0 moved
// in as "eth1"; B with nic1 moved in. nic2 stays on the host.
struct TwoContainers {
  Sandbox sb;
  Space& host = sb.host();
  Space a = sb.child();
  Space b = sb.child();
  TempDir dir_a, dir_b;
  ContainerNetworkDir where_a{dir_a.path()}, where_b{dir_b.path()};
  std::optional<NetnsGuard> in_host;

  TwoContainers() {
    sb.veth("nic0", "wire0");
    sb.veth("nic1", "wire1");
    sb.veth("nic2", "wire2");
    sb.bridge("br0");
    in_host.emplace(MUST(enter(host.ns)));
    NetConfig cfg_a;
    cfg_a.devices.push_back({.name = "eth0", .kind = VethDevice{.host_name = "vh-a", .bridge = "br0"},
                             .addresses = {prefix("10.88.0.2/16")}, .origin = "/devices/0"});
    cfg_a.devices.push_back({.name = "eth1", .kind = MoveDevice{.host_name = "nic0"}, .origin = "/devices/1"});
    MUST(setup_container_network(cfg_a, a.ns, where_a, {.container_id = "a"}));
    NetConfig cfg_b;
    cfg_b.devices.push_back({.name = "eth0", .kind = MoveDevice{.host_name = "nic1"}, .origin = "/devices/0"});
    MUST(setup_container_network(cfg_b, b.ns, where_b, {.container_id = "b"}));
  }

  // Everything a refused request must leave alone.
  std::string state() {
    return host_state(host) + "--\n" + host_state(a) + "--\n" + host_state(b) + "--\n" +
           read_file(where_a.journal_path()) + "--\n" + read_file(where_b.journal_path());
  }
};

// Checks that `r` failed with `err` and a message naming every one of `words`.
template <class T>
void check_refused(const Result<T>& r, int err, std::initializer_list<std::string_view> words) {
  REQUIRE_FALSE(r);
  std::string message = r.error().message();
  CAPTURE(message);
  CHECK(r.error().err == err);
  for (auto w : words) CHECK(message.find(w) != std::string::npos);
}

}  // namespace

TEST_CASE("attach refuses a host device that is not there, changing nothing") {
  TwoContainers t;
  auto before = t.state();
  check_refused(attach_device(t.where_a, {.name = "eth5", .kind = MoveDevice{.host_name = "nope0"}, .origin = "--device"}),
                ENODEV, {"nope0", "not on the host"});
  CHECK(t.state() == before);
}

TEST_CASE("attach refuses a device that another container holds, changing nothing") {
  TwoContainers t;
  auto before = t.state();
  // nic1 is B's eth0 now: its lease names B.
  check_refused(attach_device(t.where_a, {.name = "eth5", .kind = MoveDevice{.host_name = "nic1"}}), EBUSY,
                {"nic1", "not on the host", "container \"b\"", "lent to it"});
  CHECK(t.state() == before);
  CHECK(t.b.has_link("eth0"));
  // And one that this container holds already.
  check_refused(attach_device(t.where_a, {.name = "eth5", .kind = MoveDevice{.host_name = "nic0"}}), EBUSY,
                {"nic0", "in this container already", "eth1"});
  CHECK(t.state() == before);
}

TEST_CASE("attach refuses a name taken in the container, changing nothing") {
  TwoContainers t;
  auto before = t.state();
  check_refused(attach_device(t.where_a, {.name = "eth0", .kind = MoveDevice{.host_name = "nic2"}}), EEXIST,
                {"eth0", "already", "veth"});
  check_refused(attach_device(t.where_a, {.name = "eth1", .kind = MacvlanDevice{.parent = "nic2"}}), EEXIST, {"eth1"});
  check_refused(attach_device(t.where_a, {.name = "eth0", .kind = VethDevice{.host_name = "vh-x"}}), EEXIST, {"eth0"});
  CHECK(t.state() == before);
  CHECK(t.host.has_link("nic2"));
}

TEST_CASE("attach refuses a missing macvlan parent or bridge and a taken veth host end") {
  TwoContainers t;
  auto before = t.state();
  check_refused(attach_device(t.where_a, {.name = "mv0", .kind = MacvlanDevice{.parent = "nic1"}}), EBUSY,
                {"macvlan parent nic1", "container \"b\""});
  check_refused(attach_device(t.where_a, {.name = "v1", .kind = VethDevice{.host_name = "vh-1", .bridge = "br9"}}),
                ENODEV, {"bridge br9"});
  check_refused(attach_device(t.where_a, {.name = "v1", .kind = VethDevice{.host_name = "vh-1", .bridge = "nic2"}}),
                EINVAL, {"nic2", "not a bridge"});
  check_refused(attach_device(t.where_a, {.name = "v1", .kind = VethDevice{.host_name = "vh-a"}}), EEXIST,
                {"vh-a", "exists on the host"});
  CHECK(t.state() == before);
}

TEST_CASE("attach refuses a container without a network directory and a bad name") {
  TwoContainers t;
  auto before = t.state();
  TempDir empty;
  check_refused(attach_device({empty.path()}, {.name = "eth5", .kind = MoveDevice{.host_name = "nic2"}}), ENOENT,
                {"not set up", empty.path()});
  auto bad = attach_device(t.where_a, {.name = "a/b", .kind = MoveDevice{.host_name = "nic2"}});
  REQUIRE_FALSE(bad);
  CHECK(t.state() == before);
}

TEST_CASE("detach refuses a name that was not attached, changing nothing") {
  TwoContainers t;
  auto before = t.state();
  check_refused(detach_device(t.where_a, "eth9"), ENODEV, {"eth9", "no device of that name was attached"});
  check_refused(detach_device(t.where_a, "lo"), ENODEV, {"lo"});
  // B's device, asked of A.
  check_refused(detach_device(t.where_b, "eth1"), ENODEV, {"eth1"});
  CHECK(t.state() == before);
}

TEST_CASE("a failure in the middle of an attach undoes only that device") {
  if (!FaultInjector::enabled()) FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
  TwoContainers t;
  auto before_host = host_state(t.host);
  auto before_a = host_state(t.a);
  auto pending = pending_seqs(t.where_a.journal_path());
  // Step 1 moves nic2 in, step 2 adds its first address: fail there.
  auto r = [&] {
    ScopedEnv at("MR_FAIL_AT_STEP", "2");
    return attach_device(t.where_a, {.name = "eth5", .kind = MoveDevice{.host_name = "nic2"},
                                     .addresses = {prefix("10.5.0.2/24")}});
  }();
  REQUIRE_FALSE(r);
  CHECK(r.error().err == ECANCELED);
  CHECK(settled_host_state(t.host, before_host) == before_host);  // nic2 home; A's veth host end and nic0 untouched
  CHECK(settled_host_state(t.a, before_a) == before_a);        // A still has eth0 and eth1
  CHECK(pending_seqs(t.where_a.journal_path()) == pending);
  // Teardown still returns A's own devices.
  auto report = MUST(teardown_container_network(t.where_a));
  REQUIRE(report.returned.size() == 1);
  CHECK(report.returned[0].name == "nic0");
}

namespace {

bool says(const std::string& line, const std::string& what) {
  INFO(line);
  return line.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE_FIXTURE(NetCliHost, "net attach and detach refuse bad requests and change nothing") {
  b.args(kWaitForTerm);
  b.write();
  int c1_pid = run_detached("c1");
  int c2_pid = run_detached("c2");
  ok({"net", "attach", "c1", "nic0", "--name", "eth0"});
  std::string host_before = host_state(sb.host());
  Space c1 = pinned("c1"), c2 = pinned("c2");
  std::string c1_before = host_state(c1), c2_before = host_state(c2);
  std::string journal_before = read_file(runc.root() + "/c1/network.journal");

  SUBCASE("a device that does not exist, and one in another container, are told apart") {
    std::string missing = refused({"net", "attach", "c2", "nosuch"});
    CHECK(says(missing, "host device nosuch is not on the host, and no container here holds it"));
    std::string elsewhere = refused({"net", "attach", "c2", "nic0"});
    CHECK(says(elsewhere, "host device nic0 is in container \"c1\" (as eth0)"));
    CHECK_FALSE(says(elsewhere, "not on the host"));
    CHECK(says(refused({"net", "attach", "c2", "nic0", "--macvlan", "--name", "mv0"}),
               "macvlan parent nic0 is in container \"c1\" (as eth0)"));
    CHECK(says(refused({"net", "attach", "c1", "nic0", "--name", "again"}), "in this container already (as eth0)"));
  }
  SUBCASE("a name taken in the container") {
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--name", "eth0"}), "has a device named eth0"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--macvlan", "--name", "lo"}), "lo"));
    CHECK(says(refused({"net", "attach", "c1", "--veth", "--name", "eth0", "--bridge", "br0"}), "eth0"));
  }
  SUBCASE("a veth to a bridge that is not one") {
    CHECK(says(refused({"net", "attach", "c1", "--veth", "--name", "v0", "--bridge", "nic1"}), "not a bridge"));
  }
  SUBCASE("a name that was not attached") {
    CHECK(says(refused({"net", "detach", "c1", "nope"}), "nope"));
    CHECK(says(refused({"net", "detach", "c1", "lo"}), "lo"));
    CHECK(says(refused({"net", "detach", "c2", "eth0"}), "eth0"));  // c1's, not c2's
  }
  SUBCASE("flags that do not go together or do not parse") {
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--mode", "vepa"}), "--mode is for --macvlan"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--bridge", "br0"}), "--bridge is for --veth"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--veth", "--macvlan"}), "exclude each other"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--macvlan", "--keep-addresses"}), "--keep-addresses"));
    CHECK(says(refused({"net", "attach", "c1", "--veth", "--bridge", "br0"}), "--veth needs --name"));
    CHECK(says(refused({"net", "attach", "c1"}), "HOSTDEV is required"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--address", "10.0.0.300/24"}), "10.0.0.300/24"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--macvlan", "--mode", "sideways"}), "sideways"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--name", "much-too-long-name"}), "much-too-long-name"));
  }
  SUBCASE("a command line that does not parse: one line, exit status 1") {
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--bogus"}), "not expected: --bogus"));
    CHECK(says(refused({"net", "attach", "c1", "nic1", "--mtu", "abc"}), "could not convert: --mtu = abc"));
    CHECK(says(refused({"net", "detach", "c1"}), "name is required"));
    CHECK(says(refused({"net", "frobnicate", "c1"}),
               "net: unknown command \"frobnicate\"; one of: attach, detach, show, export"));
    CHECK(says(refused({"frobnicate"}), "error: unknown command \"frobnicate\"; one of: run, create, start"));
    CHECK(says(refused({"net"}), "a subcommand is required"));
    // Help is no error: exit status 0, on stdout.
    auto help = runc({"net", "attach", "--help"});
    CHECK(help.status == 0);
    CHECK(says(help.out, "--macvlan"));
    CHECK(help.err.empty());
  }
  SUBCASE("an id that is not running") {
    for (auto args : std::vector<std::vector<std::string>>{{"net", "attach", "ghost", "nic1"},
                                                           {"net", "detach", "ghost", "eth0"},
                                                           {"net", "show", "ghost"},
                                                           {"net", "export", "ghost"}})
      CHECK(says(refused(args), "no container \"ghost\""));
    CHECK(says(refused({"net", "attach", "../c1", "nic1"}), "invalid container id"));
    ok({"kill", "c2", "KILL"});
    wait_gone(c2_pid);
    for (auto args : std::vector<std::vector<std::string>>{{"net", "attach", "c2", "nic1"},
                                                           {"net", "detach", "c2", "lo"},
                                                           {"net", "show", "c2"},
                                                           {"net", "export", "c2"}})
      CHECK(says(refused(args), "container \"c2\" is stopped, not created or running"));
  }

  CHECK(settled_host_state(sb.host(), host_before) == host_before);
  CHECK(settled_host_state(c1, c1_before) == c1_before);
  CHECK(settled_host_state(c2, c2_before) == c2_before);
  CHECK(read_file(runc.root() + "/c1/network.journal") == journal_before);
  ok({"delete", "--force", "c1"});
  ok({"delete", "--force", "c2"});
  wait_gone(c1_pid);
  CHECK(settled_host_state(sb.host(), before) == before);
}
