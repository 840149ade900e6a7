// containerd 1.6's ctr runs mini-runc-cni as it runs any CNI plugin: `ctr run --cni`
// loads the first configuration in /etc/cni/net.d (a conflist naming our plugin) and the
// plugins in /opt/cni/bin, both the test's in containerd's world (containerd_support.hpp);
// it ADDs with CNI_NETNS=/proc/PID/ns/net once the task is created and before it starts,
// and, when the task has exited, DELs without CNI_NETNS (the namespace is gone with the
// task: our pin kept it for DEL) before it deletes the task. ctr 1.6 DELs only there: a
// container run with --detach is never DELed by ctr.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cni_host.hpp"
#include "support/containerd_support.hpp"
#include "support/firewall_host.hpp"
#include "support/rfc_support.hpp"

using namespace mr;
using namespace mr::test;
using namespace mr::test::rfc;
using namespace mr::test::containerd;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The pid, in containerd's world, of task `id` (`ctr tasks list`: TASK PID STATUS).
pid_t task_pid(Containerd& c, const std::string& id) {
  auto list = c.ctr({"tasks", "list"});
  podman::require_ok(list, "ctr tasks list");
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string task, status;
    pid_t pid = 0;
    if (fields >> task >> pid >> status && task == id) return pid;
  }
  FAIL("no task " << id << " in:\n" << list.out);
  return -1;
}

}  // namespace

TEST_CASE_FIXTURE(CniClientFixture, "containerd's ctr run --cni joins a managed network through mini-runc-cni, and the task's end gives all back") {
  REQUIRE(mr({"network", "create", "web", "--subnet", "10.89.42.0/24", "--no-dns"}).status == 0);
  fs::create_directories(tmp.file("net.d"));
  fs::create_directories(tmp.file("cni-bin"));
  std::ofstream(tmp.file("net.d/10-mrweb.conflist")) << conflist("mrweb", "web").dump(2);
  fs::create_symlink(MR_CNI_PLUGIN, tmp.file("cni-bin/mini-runc-cni"));
  Containerd ctrd(sb, tmp.file("containerd"), tmp.file("net.d"), tmp.file("cni-bin"));
  ctrd.import_image();
  const std::string before = picture();
  CHECK(holdings().empty());

  // The workload tells the test, over the network ADD gave it, that it runs.
  auto reports = tcp_listener(sb.host(), 9000);
  auto run = ctrd.start_ctr({"run", "--snapshotter", "native", "--cni", "--cgroup", ctrd.cgroup("web"), kImage, "web",
                             "sh", "-c", "echo ready | nc 10.89.42.1 9000; trap 'exit 0' TERM; sleep 1000 & wait"});
  auto ready = accept_one(reports, 15000);  // the rootfs is copied, the task made and joined first
  const std::string address = peer_ip(ready);
  CHECK(read_to_eof(ready) == "ready\n");
  ready.reset();
  REQUIRE(prefix("10.89.42.0/24").contains(ip(address)));
  // ctr's CNI_CONTAINERID is the namespace and the container's id.
  const std::string cni_id = "default-web";
  CHECK(attached(cni_id, "eth0"));

  // The task's namespace holds eth0 with the address and a default route through the
  // gateway; the address is held in the pool and the veth's host end leased, by ctr's id.
  auto ctr = container_space(ctrd.host_pid(task_pid(ctrd, "web")));
  check_joined(ctr, address + "/24", "10.89.42.1", cni_id);

  // SIGTERM ends the workload: ctr run DELs, then deletes the task.
  podman::require_ok(ctrd.ctr({"tasks", "kill", "web"}), "ctr tasks kill");
  auto ended = run.finish();
  INFO("ctr run: " << ended.out << ended.err);
  CHECK(ended.status == 0);
  CHECK_FALSE(attached(cni_id, "eth0"));
  CHECK(holdings().empty());
  CHECK(settled_picture(before) == before);  // no device, no bridge, no nft element
  podman::require_ok(ctrd.ctr({"containers", "delete", "web"}), "ctr containers delete");
  CHECK(ctrd.ctr({"containers", "list", "--quiet"}).out.empty());
}
