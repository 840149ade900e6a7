// The 2006 network namespace RFC's consolidation promise and what it listed as missing,
// through the real mini-runc: containers behind one bridge bind the same address:port at
// once; none can bind another's address; packets leave with the sender's own address; a
// connection reaches the container whose address it targets. The first two also hold
// for runc containers networked by netns-hook.
#include <doctest/doctest.h>

#include "support/rfc_support.hpp"

using namespace mr::test;
using namespace mr::test::rfc;

namespace {

constexpr uint16_t kHttpPort = 8080;
constexpr uint16_t kReportPort = 9000;

// A busybox httpd on 0.0.0.0:8080 serving "I am NAME". Without -f, httpd binds, then
// daemonizes: when it returns, it is listening.
std::vector<std::string> web_server(const std::string& name) {
  return {"sh", "-c",
          "mkdir -p /www; echo 'I am " + name + "' > /www/index.html; httpd -p 0.0.0.0:8080 -h /www || exit 1; "
          "trap 'exit 0' TERM; echo ready; sleep 1000 & wait"};
}

std::string http_get(Space& from, const std::string& to) {
  mr::UniqueFd conn;
  int err = connect_errno(from, ip(to), kHttpPort, conn);
  INFO("connect to " << to << ": " << std::strerror(err));
  REQUIRE(err == 0);
  send_all(conn, "GET /index.html HTTP/1.0\r\n\r\n");
  std::string reply = read_to_eof(conn);
  auto body = reply.find("\r\n\r\n");
  REQUIRE_MESSAGE(body != std::string::npos, reply);
  return reply.substr(body + 4);
}

void same_port_in_two(Engine engine) {
  BridgedHost h(engine);
  auto a = h.bridged("a", "10.88.0.2", web_server("a"));
  auto b = h.bridged("b", "10.88.0.3", web_server("b"));
  // Both hold the same port at the same time, each in its own namespace; the host's is free.
  CHECK(bind_errno(a->net(), ip("0.0.0.0"), kHttpPort) == EADDRINUSE);
  CHECK(bind_errno(b->net(), ip("0.0.0.0"), kHttpPort) == EADDRINUSE);
  CHECK(bind_errno(h.sb.host(), ip("0.0.0.0"), kHttpPort) == 0);

  CHECK(http_get(h.sb.host(), "10.88.0.2") == "I am a\n");
  CHECK(http_get(h.sb.host(), "10.88.0.3") == "I am b\n");
  // Containers are each other's clients across the bridge, and their own on loopback.
  CHECK(http_get(b->net(), "10.88.0.2") == "I am a\n");
  CHECK(http_get(a->net(), "10.88.0.3") == "I am b\n");
  CHECK(http_get(a->net(), "127.0.0.1") == "I am a\n");
  CHECK(http_get(b->net(), "127.0.0.1") == "I am b\n");
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
}

void cannot_bind_anothers_address(Engine engine) {
  BridgedHost h(engine);
  auto a = h.bridged("a", "10.88.0.2");
  auto b = h.bridged("b", "10.88.0.3");
  CHECK(bind_errno(a->net(), ip("10.88.0.3"), kHttpPort) == EADDRNOTAVAIL);
  CHECK(bind_errno(b->net(), ip("10.88.0.2"), kHttpPort) == EADDRNOTAVAIL);
  CHECK(bind_errno(a->net(), ip("10.88.0.1"), kHttpPort) == EADDRNOTAVAIL);  // nor the host's
  CHECK(bind_errno(a->net(), ip("10.88.0.2"), kHttpPort) == 0);
  CHECK(bind_errno(b->net(), ip("10.88.0.3"), kHttpPort) == 0);
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
}

}  // namespace

TEST_CASE("rfc 5: two containers serve on 0.0.0.0:8080 at once, each answering its own clients") {
  same_port_in_two(Engine::mini_runc);
}

TEST_CASE("rfc 5, netns-hook under runc: two containers serve on 0.0.0.0:8080 at once") {
  same_port_in_two(Engine::runc_hook);
}

TEST_CASE("rfc 6: a container cannot bind another container's address") {
  cannot_bind_anothers_address(Engine::mini_runc);
}

TEST_CASE("rfc 6, netns-hook under runc: a container cannot bind another container's address") {
  cannot_bind_anothers_address(Engine::runc_hook);
}

TEST_CASE("rfc 6: a container's packets leave with its own source address, as the receiver sees them") {
  BridgedHost h;
  auto receiver = tcp_listen(h.sb.host(), ip("10.88.0.1"), kReportPort);
  // The workloads are the clients: busybox nc, without choosing a source address.
  auto client = [](const std::string& name) {
    return std::vector<std::string>{
        "sh", "-c", "trap 'exit 0' TERM; echo ready; echo from " + name + " | nc 10.88.0.1 9000; sleep 1000 & wait"};
  };
  auto a = h.bridged("a", "10.88.0.2", client("a"));
  auto from_a = accept_one(receiver);
  CHECK(peer_ip(from_a) == "10.88.0.2");
  CHECK(read_to_eof(from_a) == "from a\n");
  from_a.reset();  // nc waits for our end to close; the shell's trap waits for nc
  auto b = h.bridged("b", "10.88.0.3", client("b"));
  auto from_b = accept_one(receiver);
  CHECK(peer_ip(from_b) == "10.88.0.3");
  CHECK(read_to_eof(from_b) == "from b\n");
  from_b.reset();
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
}

TEST_CASE("rfc 6: with three containers on one addr:port behind one bridge, each connection reaches its target") {
  BridgedHost h;
  const std::vector<std::string> addresses = {"10.88.0.2", "10.88.0.3", "10.88.0.4"};
  std::vector<std::unique_ptr<Container>> ctrs;
  std::vector<mr::UniqueFd> listeners;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    ctrs.push_back(h.bridged("c" + std::to_string(i), addresses[i]));
    listeners.push_back(tcp_listen(ctrs[i]->net(), ip("0.0.0.0"), kHttpPort));
  }
  auto probe = [&](Space& from, std::size_t target) {
    CAPTURE(addresses[target]);
    mr::UniqueFd conn;
    REQUIRE(connect_errno(from, ip(addresses[target]), kHttpPort, conn) == 0);
    // Established before connect() returned: queued at its listener now, or nowhere.
    for (std::size_t i = 0; i < listeners.size(); ++i) CHECK(has_pending(listeners[i]) == (i == target));
    auto got = accept_one(listeners[target]);
    CHECK(local_ip(got) == addresses[target]);
    CHECK(peer_ip(got) == local_ip(conn));
  };
  for (std::size_t t = 0; t < addresses.size(); ++t) probe(h.sb.host(), t);
  probe(ctrs[0]->net(), 2);
  probe(ctrs[2]->net(), 1);
  for (auto& c : ctrs) CHECK(c->stop() == 0);
}
