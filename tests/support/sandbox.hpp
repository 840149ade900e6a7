// A throwaway "host" for integration tests: a new network namespace that stands in for
// the machine, with veths and bridges standing in for its NICs. Everything made in it
// goes away with it (closing the last fd of a namespace destroys its virtual devices),
// so a failing test leaves nothing behind. The machine's own interfaces are never used.
#pragma once

#include <doctest/doctest.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "netns/address.hpp"
#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/route.hpp"
#include "netns/snapshot.hpp"

// Lists of texts print as such when a check on them fails.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& texts) {
    std::string out = "{";
    for (const auto& t : texts) out += (out.size() > 1 ? ", \"" : "\"") + t + "\"";
    return (out + "}").c_str();
  }
};

namespace mr::test {

// Fails the test (loudly, never a skip) when a Result holds an error, and yields its value.
template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::string failure = std::string(what) + ": " + r.error().message();
    FAIL(failure);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
#define MUST(expr) ::mr::test::must((expr), #expr)

// "192.0.2.10/24" for each address, in the kernel's order.
std::vector<std::string> prefix_texts(const std::vector<netns::AddressInfo>& addresses);
inline bool contains(const std::vector<std::string>& texts, std::string_view text) {
  return std::find(texts.begin(), texts.end(), text) != texts.end();
}
// The inode of the calling thread's network namespace (/proc/thread-self/ns/net).
ino_t thread_netns_inode();

// One network namespace and the socket that talks to it.
struct Space {
  netns::Netns ns;
  netns::NlSocket nl;

  static Space make();  // a new namespace with its loopback up
  netns::LinkInfo link(const std::string& name) { return MUST(netns::get_link(nl, name)); }
  bool has_link(const std::string& name);
  netns::NetnsSnapshot snapshot() { return MUST(netns::take_snapshot(nl)); }
  // The addresses of one link as the kernel lists them, as prefix texts.
  std::vector<std::string> addresses(int index, int family = AF_UNSPEC);
  // The main-table routes of one family as the kernel lists them.
  std::vector<netns::Route> routes(int family) { return MUST(netns::list_routes(nl, family)); }
  // Waits, on the kernel's RTM_NEWLINK events, until link `name` is operationally up
  // (carrier on, its qdisc attached and bridge ports forwarding): before that, packets
  // sent through it are dropped.
  void wait_oper_up(const std::string& name);
};

class Sandbox {
 public:
  Sandbox();  // requires root; fails the test if it is missing
  // Removes what the product keeps under /run for this "host" (device leases, address
  // pools, DNS files), whatever the test left there.
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  Space& host() { return host_; }
  // A veth pair inside the host sandbox: `name` and `peer`, both up (a stand-in NIC
  // whose wire ends in `peer`).
  netns::LinkInfo veth(const std::string& name, const std::string& peer);
  // A veth from the host sandbox into `ctr`: `name` here (attached to the bridge
  // `master` if not 0), `peer` made directly in `ctr`; both up. Returns the peer.
  netns::LinkInfo veth_into(Space& ctr, const std::string& name, const std::string& peer, int master = 0);
  netns::LinkInfo bridge(const std::string& name);
  // A "container": another new namespace, gone when the returned Space is destroyed.
  Space child() { return Space::make(); }

 private:
  Space host_;
};

// A directory under /tmp (mr-test-PID-XXXXXX) made for one test. Destroying it detaches
// whatever is still mounted in it (namespace pins) and removes it, so a failed test
// leaves neither a mount nor the directory behind; the directories of a test process
// that was killed go when the next TempDir is made.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  UniqueFd lock_;  // flock on path_: the directory's process is alive
};

// Everything the tests compare on a host: links by name (kind, MTU, MAC, up, master),
// their addresses and the main table's routes, by link name, sorted. Left out: what the
// kernel makes by itself and at its own pace after a link comes up (IPv6 link-local
// addresses and their fe80::/64 routes, configured from the linkwatch work queue).
std::string host_state(Space& s);

// The network namespace of a container's process `pid`, with a socket in it, for reading
// back.
Space container_space(pid_t pid);

// host_state(), once it equals `expected`: a container's veth goes with its network
// namespace, which the kernel frees in a work queue after the runtime has returned.
// Waits on the kernel's link events, for 10 s at most; then returns the state as it is,
// for the comparison to show what was left behind.
std::string settled_host_state(Space& s, const std::string& expected);
// The same for any look at the host `s`: look() again on each link event.
std::string settled(Space& s, const std::string& expected, const std::function<std::string()>& look);

// A non-blocking socket that receives the kernel's link events (RTNLGRP_LINK) in `ns`,
// or the events of `groups` (RTMGRP_* bits). Subscribe before looking, so that an event
// cannot slip between the look and the wait.
UniqueFd link_events(const netns::Netns& ns, uint32_t groups = RTMGRP_LINK);

// Whether /proc/self/mountinfo lists a mount point at `path`.
bool is_mount_point(const std::string& path);

}  // namespace mr::test
