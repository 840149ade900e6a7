// config.json's linux.netDevices through mini-runc, with the runtime-spec's semantics:
// moved and renamed (a "%d" template), its permanent global addresses kept, up, and left
// alone at deletion, so that the kernel destroys a virtual device with the namespace.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "support/hook_helpers.hpp"
#include "support/net_devices_host.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;

TEST_CASE_FIXTURE(MiniRuncFixture, "linux.netDevices: nic0 arrives as net0 with its permanent global addresses, and is left alone at delete") {
  const std::string without_nic = lend_net_device(sb);
  b.config["linux"]["netDevices"] = net_devices_entry();
  b.args({"true"});
  b.write();
  auto created = runc({"create", "--bundle", b.dir, "nd1"});
  INFO(created.err);
  REQUIRE(created.status == 0);
  pid_t pid = runc.state("nd1")["pid"];
  check_net_device_inside(sb, pid, "nd1");
  REQUIRE(runc({"start", "nd1"}).status == 0);
  wait_gone(pid);  // the workload ran and exited: only the pin holds the namespace now
  auto deleted = runc({"delete", "nd1"});
  INFO(deleted.err);
  REQUIRE(deleted.status == 0);
  CHECK(deleted.err.empty());
  // Not given back: the namespace went, and the kernel destroyed the veth with it, its
  // peer wire0 on the host too. Had mini-runc returned it, nic0 and wire0 would be here.
  CHECK(settled_host_state(sb.host(), without_nic) == without_nic);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/nd1"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a device in both linux.netDevices and the network spec is refused with the host unchanged") {
  lend_net_device(sb);
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})");
  b.config["linux"]["netDevices"] = net_devices_entry();
  b.args({"true"});
  b.write();
  for (const char* command : {"run", "create"}) {
    auto o = runc({command, "--bundle", b.dir, "nd2"});
    INFO(command);
    CHECK(o.status == 1);
    CHECK(o.err == "mini-runc: error: " + b.dir + "/config.json:/linux/netDevices/nic0: host device \"nic0\" is already "
                   "moved into the container at " + b.dir + "/network.json:/devices/0/move\n");
    CHECK(host_state(sb.host()) == before);
    CHECK_FALSE(std::filesystem::exists(runc.root() + "/nd2"));
  }
}
