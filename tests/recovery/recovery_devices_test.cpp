// Devices lent to a container come back to the host however the container ends: its
// workload SIGKILLed, its namespace kept alive by a socket bound to the device from
// another process, its device's name taken on the host meanwhile.
#include <doctest/doctest.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/recovery_host.hpp"
#include "support/udp.hpp"

using namespace mr;
using namespace mr::test;

namespace {

void write_move_spec(const Bundle& b) {
  std::ofstream(b.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24"]}]})";
}

// The first line the workload writes to its stdout, a pipe: it has started.
std::string first_line(const UniqueFd& out) {
  std::string line;
  char c;
  while (::read(out.get(), &c, 1) == 1 && c != '\n') line += c;
  return line;
}

// The name a returning device takes when its own is taken: "mr-ret-" and its ifindex in hex.
std::string fallback_of(int index) {
  std::ostringstream name;
  name << "mr-ret-" << std::hex << index;
  return name.str();
}

// Creates a container that moves nic0 in, gives each name of `taken` to a new device on
// the host meanwhile, and force-deletes it: nic0, the same device with its address,
// must come back as `expected`, and delete must say so in one line.
void comes_back_as(RecoveryFixture& f, const std::vector<std::string>& taken, const std::string& expected) {
  write_move_spec(f.b);
  f.b.args({"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"});
  f.b.write();
  const int nic0 = f.sb.host().link("nic0").index;
  auto c = f.runc({"create", "-b", f.b.dir, "fb"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  std::vector<int> usurpers;
  for (size_t i = 0; i < taken.size(); ++i)
    usurpers.push_back(f.sb.veth(taken[i], "usurper" + std::to_string(i)).index);
  auto d = f.runc({"delete", "--force", "fb"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK(d.err == "mini-runc: warning: nic0 returned to the host as " + expected + ": its name was taken\n");
  auto back = f.sb.host().link(expected);
  CHECK(back.index == nic0);
  CHECK(f.sb.host().addresses(nic0, AF_INET) == std::vector<std::string>{"192.0.2.10/24"});
  for (size_t i = 0; i < taken.size(); ++i) CHECK(f.sb.host().link(taken[i]).index == usurpers[i]);
  CHECK_FALSE(f.has_state("fb"));
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "a moved device comes back when the workload is SIGKILLed") {
  write_move_spec(b);
  b.args({"sh", "-c", "echo ready; exec sleep 1000"});
  b.write();
  const std::string before = picture();
  const int nic0 = sb.host().link("nic0").index;
  UniqueFd out;
  pid_t run = runc.spawn({"run", "-b", b.dir, "victim"}, out);
  REQUIRE(first_line(out) == "ready");
  CHECK_FALSE(sb.host().has_link("nic0"));
  pid_t workload = runc.state("victim")["pid"];
  REQUIRE(::kill(workload, SIGKILL) == 0);
  CHECK(wait_status(run) == 128 + SIGKILL);
  CHECK(settled_picture(before) == before);
  CHECK(sb.host().link("nic0").index == nic0);  // the same device, not a new one
  CHECK_FALSE(has_state("victim"));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a moved device comes back while another process holds a socket bound to it") {
  write_move_spec(b);
  // The workload ends when the test writes to a fifo in its rootfs.
  REQUIRE(::mkfifo((b.rootfs() + "/tmp/go").c_str(), 0600) == 0);
  b.args({"sh", "-c", "echo ready; read line < /tmp/go"});
  b.write();
  const std::string before = picture();
  UniqueFd out;
  pid_t run = runc.spawn({"run", "-b", b.dir, "busy"}, out);
  REQUIRE(first_line(out) == "ready");
  // A UDP socket made in the container's namespace, bound to eth0 and its address: it
  // keeps the namespace alive after the container is gone.
  auto ctr = container_space(runc.state("busy")["pid"]);
  auto local = ip("10.1.0.2");
  UniqueFd sock = socket_in(ctr, AF_INET, SOCK_DGRAM, &local);
  REQUIRE(::setsockopt(sock.get(), SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5) == 0);
  {
    std::ofstream go(b.rootfs() + "/tmp/go");
    go << "go\n";
  }
  CHECK(wait_status(run) == 0);
  CHECK(settled_picture(before) == before);
  // The namespace lives on with the socket, without the device.
  CHECK_FALSE(ctr.has_link("eth0"));
  CHECK(ctr.snapshot().links.size() == 1);
}

TEST_CASE_FIXTURE(RecoveryFixture, "a device whose name was taken on the host comes back as mr-ret-<hex ifindex>, reported") {
  const int nic0 = sb.host().link("nic0").index;
  comes_back_as(*this, {"nic0"}, fallback_of(nic0));
}

TEST_CASE_FIXTURE(RecoveryFixture, "a device whose name and fallback name were both taken comes back as mrret0, reported") {
  const int nic0 = sb.host().link("nic0").index;
  comes_back_as(*this, {"nic0", fallback_of(nic0)}, "mrret0");
}

TEST_CASE_FIXTURE(RecoveryFixture, "a foreground run SIGKILLed while its workload runs: delete --force brings everything back") {
  write_full_spec();
  b.args({"sh", "-c", "echo ready; exec sleep 1000"});
  b.write();
  const std::string before = picture();
  UniqueFd out;
  pid_t run = runc.spawn({"run", "-b", b.dir, "orphaned"}, out);
  REQUIRE(first_line(out) == "ready");
  REQUIRE(::kill(run, SIGKILL) == 0);
  CHECK(wait_status(run) == 128 + SIGKILL);
  // The workload outlives its runtime; the container is still there, running.
  CHECK(runc.state("orphaned")["status"] == "running");
  CHECK(picture() != before);
  auto d = runc({"delete", "--force", "orphaned"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK(settled_picture(before) == before);
  CHECK_FALSE(has_state("orphaned"));
}
