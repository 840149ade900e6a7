// `mini-runc net` refusals: exit status 1, one line naming what is wrong, and nothing
// changed on the host or in either container.
#include <doctest/doctest.h>

#include "support/net_cli_host.hpp"

using namespace mr::test;

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
  std::string journal_before = read_all_file(runc.root() + "/c1/network.journal");

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
  CHECK(read_all_file(runc.root() + "/c1/network.journal") == journal_before);
  ok({"delete", "--force", "c1"});
  ok({"delete", "--force", "c2"});
  wait_gone(c1_pid);
  CHECK(settled_host_state(sb.host(), before) == before);
}
