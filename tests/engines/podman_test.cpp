// A real engine drives mini-runc: podman (Debian's, through conmon) runs the example
// busybox rootfs (scripts/make-bundle.sh), imported with `podman import`, with --runtime
// pointing at the built binary: with no network, with a network the spec named by the
// org.mini-runc.network annotation gives it, and with podman's own network (a CNI bridge
// network the test creates), whose namespace podman makes and passes by path. How podman
// runs in a sandbox without touching anything global: podman_support.hpp.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/console_socket.hpp"
#include "support/hook_helpers.hpp"
#include "support/podman_support.hpp"
#include "support/rfc_support.hpp"

using namespace mr;
using namespace mr::test;
using namespace mr::test::podman;
using namespace mr::test::rfc;
namespace fs = std::filesystem;

namespace {

ino_t inode_of(const std::string& path) {
  struct stat st{};
  REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
  return st.st_ino;
}

// The names in `dir` inside podman's mount namespace, sorted, one a line.
std::string names_inside(Podman& podman, const std::string& dir) {
  return podman.inside([&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += n + "\n";
    return out;
  });
}

std::string mountinfo_inside(Podman& podman) {
  return podman.inside([] { return read_file("/proc/self/mountinfo"); });
}

}  // namespace

TEST_CASE("podman runs the example busybox rootfs through mini-runc with --network none") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  TempDir tmp;
  Podman podman(sb, tmp.path() + "/podman");
  std::string before = host_state(sb.host());
  auto info = podman({"info", "--format", "{{.Host.OCIRuntime.Path}}"});
  CHECK(info.out == MINI_RUNC_PATH "\n");  // the built binary, not a runtime of the machine's
  podman.import_image();
  // The image is the example's rootfs: its files, and busybox's applets where the script
  // linked them (`busybox --list-full`), which no other image here has.
  auto run = podman(concat({"run", "--rm", "--network", "none"},
                           concat(podman.container_options(),
                                  {kImage, "sh", "-c", "ls /sys/class/net; cat /etc/passwd /etc/group; readlink /usr/bin/env;"
                                                       "grep ^Seccomp: /proc/self/status"})));
  require_ok(run, "podman run");
  std::string rootfs = std::string(kExampleBundle) + "/rootfs";
  // Seccomp: 2, a filter: podman's default profile, which podman put in config.json.
  CHECK(run.out == "lo\n" + read_file(rootfs + "/etc/passwd") + read_file(rootfs + "/etc/group") +
                       fs::read_symlink(rootfs + "/usr/bin/env").string() + "\nSeccomp:\t2\n");
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());  // --rm: podman deleted it
}

TEST_CASE("podman drives create, start, kill and rm of a mini-runc container networked by annotation") {
  BridgedHost h;
  Podman podman(h.sb, h.tmp.path() + "/podman");
  podman.import_image();
  std::string spec = podman.dir() + "/net.json";
  std::ofstream(spec) << BridgedHost::veth_spec("10.88.0.2", "vpod0").dump();
  std::string before = host_state(h.sb.host());
  auto reports = tcp_listen(h.sb.host(), ip("10.88.0.1"), 9000);

  // httpd binds before it daemonizes; then the workload tells the test so, over the
  // network the spec gave it.
  auto create = podman(concat({"create", "--name", "web", "--network", "none", "--annotation",
                               "org.mini-runc.network=" + spec},
                              concat(podman.container_options(),
                                     {kImage, "sh", "-c",
                                      "mkdir /tmp/www && echo \"I am podman's\" > /tmp/www/index.html && "
                                      "httpd -p 0.0.0.0:8080 -h /tmp/www || exit 1; echo ready | nc 10.88.0.1 9000; "
                                      "trap 'exit 0' TERM; sleep 1000 & wait"})));
  require_ok(create, "podman create");
  require_ok(podman({"start", "web"}), "podman start");
  auto ready = accept_one(reports);
  CHECK(peer_ip(ready) == "10.88.0.2");
  CHECK(read_to_eof(ready) == "ready\n");
  ready.reset();

  auto vpod = h.sb.host().link("vpod0");
  CHECK(vpod.master == h.sb.host().link("br0").index);
  h.sb.host().wait_oper_up("vpod0");
  UniqueFd conn;
  REQUIRE(connect_errno(h.sb.host(), ip("10.88.0.2"), 8080, conn) == 0);
  send_all(conn, "GET /index.html HTTP/1.0\r\n\r\n");
  auto reply = read_to_eof(conn);
  CHECK(reply.ends_with("\r\n\r\nI am podman's\n"));

  auto inspect = podman({"inspect", "--format", "{{.State.Status}}", "web"});
  CHECK(inspect.out == "running\n");
  require_ok(podman({"kill", "web"}), "podman kill");
  auto wait = podman({"wait", "web"});
  require_ok(wait, "podman wait");
  CHECK(wait.out == "137\n");  // SIGKILL
  require_ok(podman({"rm", "web"}), "podman rm");
  CHECK(settled_host_state(h.sb.host(), before) == before);  // the veth went with the container
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}

// podman makes the container's network namespace itself (a bind mount under /run/netns),
// has CNI's bridge plugin put a veth into it on the network's bridge, and writes the path
// into config.json's linux.namespaces; mini-runc joins that namespace and leaves it to
// podman, which tears it down at `podman rm`.
TEST_CASE("podman's own bridge network (CNI): mini-runc joins the namespace podman made and passed by path") {
  Sandbox sb;
  TempDir tmp;
  // Beyond the sandbox host, a namespace standing in for the outside world: 192.0.2.2,
  // reached through the sandbox host's uplink0 (192.0.2.1). It has no route to the
  // podman network's subnet.
  Space outside = sb.child();
  sb.veth_into(outside, "uplink0", "eth0");
  MUST(mr::netns::add_address(sb.host().nl, sb.host().link("uplink0").index, prefix("192.0.2.1/24")));
  MUST(mr::netns::add_address(outside.nl, outside.link("eth0").index, prefix("192.0.2.2/24")));

  Podman podman(sb, tmp.path() + "/podman");
  podman.import_image();
  CHECK(podman.output({"info", "--format", "{{.Host.NetworkBackend}}"}) == "cni");
  require_ok(podman({"network", "create", "--subnet", "10.99.0.0/24", "mr-podnet"}), "podman network create");
  CHECK(fs::exists(podman.dir() + "/networks/mr-podnet.conflist"));  // the test's, not /etc/cni/net.d
  std::string bridge = podman.output({"network", "inspect", "--format", "{{.NetworkInterface}}", "mr-podnet"});
  auto options = podman.container_options();

  // CNI makes the bridge at the first container's start, in podman's network namespace:
  // the sandbox host.
  CHECK_FALSE(sb.host().has_link(bridge));
  require_ok(podman(concat({"run", "--rm", "--network", "mr-podnet"}, concat(options, {kImage, "true"}))), "podman run");
  CHECK(sb.host().link(bridge).kind == "bridge");
  CHECK(sb.host().addresses(sb.host().link(bridge).index, AF_INET) == std::vector<std::string>{"10.99.0.1/24"});
  std::string before = host_state(sb.host());
  std::string mounts_before = mountinfo_inside(podman);

  auto reports = tcp_listen(sb.host(), ip("10.99.0.1"), 9000);
  auto world = tcp_listen(outside, ip("192.0.2.2"), 9001);
  require_ok(podman(concat({"create", "--name", "web", "--network", "mr-podnet"},
                           concat(options, {kImage, "sh", "-c",
                                            "{ ls /sys/class/net; ip -o -4 addr show dev eth0; cat /sys/class/net/eth0/address; } "
                                            "| nc 10.99.0.1 9000; echo out | nc 192.0.2.2 9001; "
                                            "trap 'exit 0' TERM; sleep 1000 & wait"}))),
             "podman create");
  require_ok(podman({"start", "web"}), "podman start");
  std::string address = podman.inspect("web", "{{(index .NetworkSettings.Networks \"mr-podnet\").IPAddress}}");
  std::string mac = podman.inspect("web", "{{(index .NetworkSettings.Networks \"mr-podnet\").MacAddress}}");
  REQUIRE(prefix("10.99.0.0/24").contains(ip(address)));

  // From inside: podman's interface and address, and nothing else but lo.
  auto report = accept_one(reports);
  CHECK(peer_ip(report) == address);
  std::string seen = read_to_eof(report);
  report.reset();  // nc shuts down its sending side, then waits for ours to close
  INFO("the workload saw: " << seen);
  CHECK(seen.starts_with("eth0\nlo\n"));
  CHECK(seen.find(" inet " + address + "/24 ") != std::string::npos);
  CHECK(seen.ends_with("\n" + mac + "\n"));

  // From the kernel: the container's init is in the namespace podman mounted at the path
  // it gave mini-runc, which holds CNI's veth end with podman's address and MAC, and a
  // default route through the bridge.
  pid_t pid = podman.pid("web");
  std::string key = podman.inspect("web", "{{.NetworkSettings.SandboxKey}}");
  auto config = nlohmann::json::parse(read_file(podman.inspect("web", "{{.OCIConfigPath}}")));
  std::string joined;
  for (const auto& ns : config["linux"]["namespaces"])
    if (ns["type"] == "network") joined = ns.value("path", "");
  CHECK(joined == key);
  ino_t made = std::stoul(podman.inside([&] { return std::to_string(inode_of(key)); }));
  CHECK(inode_of("/proc/" + std::to_string(pid) + "/ns/net") == made);
  CHECK(made != inode_of("/proc/self/ns/net"));
  auto ctr = container_space(pid);
  CHECK(link_names(ctr) == std::vector<std::string>{"eth0", "lo"});
  auto eth0 = ctr.link("eth0");
  CHECK(eth0.kind == "veth");
  REQUIRE(eth0.mac);
  CHECK(eth0.mac->to_string() == mac);
  CHECK(ctr.addresses(eth0.index, AF_INET) == std::vector<std::string>{address + "/24"});
  bool default_via_bridge = false;
  for (const auto& r : ctr.routes(AF_INET))
    default_via_bridge |= r.is_default() && r.gateway && r.gateway->to_string() == "10.99.0.1";
  CHECK(default_via_bridge);
  int ports = 0;
  for (const auto& l : sb.host().snapshot().links) ports += l.master == sb.host().link(bridge).index;
  CHECK(ports == 1);

  // podman's masquerade rule acts in the sandbox host: the outside sees the connection
  // come from uplink0's address (with no route back to 10.99.0.0/24 it could not have
  // answered the container itself).
  auto out = accept_one(world);
  CHECK(peer_ip(out) == "192.0.2.1");
  CHECK(read_to_eof(out) == "out\n");

  require_ok(podman({"kill", "web"}), "podman kill");
  CHECK(podman.output({"wait", "web"}) == "137");  // SIGKILL
  require_ok(podman({"rm", "web"}), "podman rm");
  // Nothing left: no veth on the bridge, no namespace mount, no mini-runc state, no lease.
  CHECK(settled_host_state(sb.host(), before) == before);
  CHECK(mountinfo_inside(podman) == mounts_before);
  CHECK(names_inside(podman, "/run/mini-runc").empty());
  CHECK(names_inside(podman, "/var/lib/cni/networks/mr-podnet").find(address + "\n") == std::string::npos);
  CHECK(podman({"ps", "--all", "--quiet"}).out.empty());
}

namespace {

// The processes of the host whose command line is `cmdline` (NUL-separated, as in
// /proc/PID/cmdline).
std::vector<pid_t> processes_running(const std::string& cmdline) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text == cmdline) out.push_back(std::stoi(name));
  }
  return out;
}

std::string ns_link(pid_t pid, const char* type) {
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + type).string();
}

}  // namespace

TEST_CASE("podman exec and exec -it and exec -d run in a mini-runc container started with run -d") {
  Sandbox sb;
  TempDir tmp;
  Podman podman(sb, tmp.path() + "/podman");
  podman.import_image();
  require_ok(podman(concat({"run", "-d", "--name", "box", "--network", "none"},
                           concat(podman.container_options(), {kImage, "sleep", "1000"}))),
             "podman run -d");
  pid_t init = podman.pid("box");

  // conmon runs `mini-runc exec --process FILE --detach --pid-file ...` and reaps the
  // process as a child subreaper: its output and exit status come back through podman.
  auto exec = podman({"exec", "box", "sh", "-c", "for n in net mnt pid; do readlink /proc/self/ns/$n; done; exit 3"});
  INFO(exec.err);
  CHECK(exec.status == 3);
  CHECK(exec.out == ns_link(init, "net") + "\n" + ns_link(init, "mnt") + "\n" + ns_link(init, "pid") + "\n");

  // -it: podman wants a terminal on its stdin; the test's pty is podman's terminal, and
  // the process gets one of its own from mini-runc (through conmon's console socket).
  int master_fd = -1, terminal_fd = -1;
  REQUIRE(::openpty(&master_fd, &terminal_fd, nullptr, nullptr, nullptr) == 0);
  UniqueFd master(master_fd), terminal(terminal_fd);
  ::fcntl(master.get(), F_SETFD, FD_CLOEXEC);
  ::fcntl(terminal.get(), F_SETFD, FD_CLOEXEC);
  Running it = podman.start_on_terminal({"exec", "-it", "box", "sh", "-c", "tty; [ -t 0 ] && echo stdin-is-tty; echo done"},
                                        terminal.get());
  terminal.reset();
  std::string shown = read_pty(master.get());  // until podman, the last holder of the peer, exits
  auto it_done = it.finish();
  INFO(it_done.err);
  INFO(shown);
  CHECK(it_done.status == 0);
  CHECK(shown.find("/dev/pts/") != std::string::npos);
  CHECK(shown.find("stdin-is-tty") != std::string::npos);
  CHECK(shown.find("done") != std::string::npos);

  // -d: podman returns once the process runs, and it stays running in the container.
  auto detached = podman({"exec", "-d", "box", "sleep", "4242"});
  INFO(detached.err);
  REQUIRE(detached.status == 0);
  auto sleepers = processes_running(std::string("sleep\0" "4242\0", 11));
  REQUIRE(sleepers.size() == 1);
  CHECK(ns_link(sleepers[0], "pid") == ns_link(init, "pid"));
  CHECK(ns_link(sleepers[0], "mnt") == ns_link(init, "mnt"));
  require_ok(podman({"rm", "-f", "box"}), "podman rm -f");
  CHECK(processes_running(std::string("sleep\0" "4242\0", 11)).empty());
}
