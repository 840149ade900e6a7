// A real engine drives mini-runc: podman (Debian's, through conmon) runs a busybox image
// with --runtime pointing at the built binary, with no network and with a network that
// the spec named by the org.mini-runc.network annotation gives it. How podman runs in a
// sandbox without touching anything global: podman_support.hpp.
#include <doctest/doctest.h>

#include <fstream>

#include "integration/podman_support.hpp"
#include "integration/rfc_support.hpp"

using namespace mr::test;
using namespace mr::test::podman;
using namespace mr::test::rfc;
using mr::netns::UniqueFd;

TEST_CASE("podman runs a busybox image through mini-runc with --network none") {
  Sandbox sb;
  sb.veth("nic0", "wire0");
  TempDir tmp;
  Podman podman(sb, tmp.path() + "/podman");
  std::string before = host_state(sb.host());
  auto info = podman({"info", "--format", "{{.Host.OCIRuntime.Path}}"});
  CHECK(info.out == MINI_RUNC_PATH "\n");  // the built binary, not a runtime of the machine's
  podman.import_image();
  auto run = podman(concat({"run", "--rm", "--network", "none"},
                           concat(podman.container_options(), {kImage, "sh", "-c", "ls /sys/class/net; cat /www/index.html"})));
  require_ok(run, "podman run");
  CHECK(run.out == "lo\nI am podman's\n");
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
                                      "httpd -p 0.0.0.0:8080 -h /www || exit 1; echo ready | nc 10.88.0.1 9000; "
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
