// What the tests of the 2006 network namespace RFC's promises share: a container run by
// the real mini-runc binary with a network spec, seen from the test through its pinned
// network namespace, and TCP sockets the test opens inside any namespace. A socket made
// inside a namespace belongs to it for its whole life, so bind() and connect() from the
// test process are the kernel's own answer about what that namespace can reach.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/runtime_harness.hpp"
#include "netns/ip.hpp"
#include "base/unique_fd.hpp"
#include "support/sandbox.hpp"
#include "support/udp.hpp"

namespace mr::test::rfc {

netns::IpAddress ip(const std::string& text);
netns::IpPrefix prefix(const std::string& text);

// A TCP socket inside `s`, bound to ip:port and listening.
UniqueFd tcp_listen(Space& s, const netns::IpAddress& at, uint16_t port);
// bind() of a new TCP socket inside `s` to ip:port: 0 or the errno.
int bind_errno(Space& s, const netns::IpAddress& at, uint16_t port);
// connect() from inside `s` to ip:port, waiting at most kTimeoutMs: 0 (and the socket in
// `out`) or the errno.
int connect_errno(Space& s, const netns::IpAddress& to, uint16_t port, UniqueFd& out);
// Accepts one connection on `listener` within `timeout_ms`.
UniqueFd accept_one(const UniqueFd& listener, int timeout_ms = kTimeoutMs);
// Whether a connection is waiting on `listener` right now.
bool has_pending(const UniqueFd& listener);
// The local and the peer address of a connected socket.
std::string local_ip(const UniqueFd& sock);
std::string peer_ip(const UniqueFd& sock);
// Reads until the peer closes, within kTimeoutMs.
std::string read_to_eof(const UniqueFd& sock);
void send_all(const UniqueFd& sock, const std::string& data);

// Where a container's network spec goes, and so who applies it: the bundle's
// network.json or a file named by --network, which mini-runc applies itself; or the
// bundle's network.json read by netns-hook, which the bundle's config.json runs as its
// createRuntime and poststop hooks (for runc, which knows nothing of the spec).
enum class SpecVia { bundle_file, network_option, hook };

// One container run by `RUNTIME run` (foreground, spawned) from its own bundle, whose
// workload prints "ready" once it runs: by then its network is set up. Ended by stop()
// (SIGTERM through `RUNTIME kill`, then run's exit, which tears the network down); the
// destructor kills one left running.
class Container {
 public:
  static const std::vector<std::string> kWaiter;  // "ready", then waits for SIGTERM

  Container(RuntimeCli& runc, const std::string& dir, std::string id, const nlohmann::json& spec,
            SpecVia via = SpecVia::bundle_file, std::vector<std::string> args = kWaiter);
  // A container that joins the network namespace at `netns.path` (runtime-spec
  // linux.namespaces[].path), with no spec.
  struct Join {
    std::string path;
  };
  Container(RuntimeCli& runc, const std::string& dir, std::string id, const Join& netns,
            std::vector<std::string> args = kWaiter);
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;
  ~Container();

  const std::string& id() const { return id_; }
  int pid() const { return pid_; }
  std::string pin() const { return runc_.root() + "/" + id_ + "/netns"; }
  // The container's network namespace, opened through its init.
  Space& net() { return *net_; }
  // Ends the workload and waits for `run` to exit: returns its status.
  int stop();

 private:
  void start(Bundle& b, const std::vector<std::string>& options);
  void launch(Bundle& b, const std::vector<std::string>& options);
  void end() noexcept;  // kills a workload still running, without checks
  RuntimeCli& runc_;
  std::string id_;
  pid_t run_ = -1;
  UniqueFd out_;
  int pid_ = 0;
  std::optional<Space> net_;
};

// What networks the RFC tests' containers: mini-runc, or netns-hook under runc (the
// same promises must hold for a runtime that only runs the hook).
enum class Engine { mini_runc, runc_hook };

// The RFC tests' usual host: a sandbox with bridge br0 at 10.88.0.1/24.
struct BridgedHost {
  Engine engine;
  Sandbox sb;
  TempDir tmp;
  RuntimeCli runc;
  explicit BridgedHost(Engine engine = Engine::mini_runc);
  // A spec with one veth "eth0" on br0 (host end `host_end`) at `address`/24.
  static nlohmann::json veth_spec(const std::string& address, const std::string& host_end);
  // Runs a container with veth_spec() and waits until both veth ends carry traffic. Under
  // runc its id is made unique on the machine (runc names a cgroup after it); its veth's
  // host end is "v" + `id` either way.
  std::unique_ptr<Container> bridged(const std::string& id, const std::string& address,
                                     std::vector<std::string> args = Container::kWaiter);
  std::string dir(const std::string& id) const { return tmp.path() + "/" + id; }
};

}  // namespace mr::test::rfc
