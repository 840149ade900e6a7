// A throwaway "host" for integration tests: a new network namespace that stands in for
// the machine, with veths and bridges standing in for its NICs. Everything made in it
// goes away with it (closing the last fd of a namespace destroys its virtual devices),
// so a failing test leaves nothing behind. The machine's own interfaces are never used.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/netlink_socket.hpp"
#include "netns/snapshot.hpp"

namespace mr::test {

// Fails the test (loudly, never a skip) when a Result holds an error, and yields its value.
template <class T>
T must(netns::Result<T> r, const char* what) {
  if (!r) {
    std::string failure = std::string(what) + ": " + r.error().message();
    FAIL(failure);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
#define MUST(expr) ::mr::test::must((expr), #expr)

// One network namespace and the socket that talks to it.
struct Space {
  netns::Netns ns;
  netns::NlSocket nl;

  static Space make();  // a new namespace with its loopback up
  netns::LinkInfo link(const std::string& name) { return MUST(netns::get_link(nl, name)); }
  bool has_link(const std::string& name);
  netns::NetnsSnapshot snapshot() { return MUST(netns::take_snapshot(nl)); }
};

class Sandbox {
 public:
  Sandbox();  // requires root; fails the test if it is missing

  Space& host() { return host_; }
  // A veth pair inside the host sandbox: `name` and `peer`, both up (a stand-in NIC
  // whose wire ends in `peer`).
  netns::LinkInfo veth(const std::string& name, const std::string& peer);
  netns::LinkInfo bridge(const std::string& name);
  // A "container": another new namespace, gone when the returned Space is destroyed.
  Space child() { return Space::make(); }

 private:
  Space host_;
};

}  // namespace mr::test
