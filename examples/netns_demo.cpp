// The netns library on the 2006 RFC's walkthrough, inside a throwaway "host" namespace
// (nothing on this machine's own interfaces is touched):
//   1. a container unshares its network namespace and sees only its own loopback;
//   2. the administrator makes a host device visible in it, under a new name;
//   3. it gets an address from inside; the host cannot see that address;
//   4. two containers bind the same address:port at once (private loopbacks);
//   5. the device goes back to the host with its name and addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>

#include "netns/address.hpp"
#include "netns/kernel_names.hpp"
#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/route.hpp"
#include "netns/snapshot.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

struct Space {
  Netns ns;
  NlSocket nl;
};

Result<Space> new_space() {
  auto ns = MR_TRY_VALUE(Netns::create());
  auto nl = MR_TRY_VALUE(NlSocket::open_in(ns));
  MR_TRY(set_link_up(nl, 1, true));
  return Space{std::move(ns), std::move(nl)};
}

void print(const char* title, NlSocket& nl) {
  auto snap = take_snapshot(nl);
  if (!snap) {
    std::printf("%s: %s\n", title, snap.error().message().c_str());
    return;
  }
  std::printf("%s\n", title);
  for (const auto& l : snap->links) {
    std::printf("  %-8s mtu %-5u %-4s %s", l.name.c_str(), l.mtu, l.up() ? "up" : "down",
                operstate_name(l.operstate).c_str());
    for (const auto& a : snap->addresses_of(l.index))
      if (!a.prefix.address.is_ipv6_link_local()) std::printf("  %s", a.prefix.to_string().c_str());
    std::printf("\n");
  }
  for (const auto& r : snap->routes) std::printf("  route %s\n", to_string(r).c_str());
}

// Binds 127.0.0.1:port inside `ns`; returns the socket's fd or an error.
Result<int> bind_loopback(const Netns& ns, uint16_t port) {
  return run_in(ns, [&]() -> Result<int> {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno, "socket");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1) != 0) {
      int err = errno;
      ::close(fd);
      return fail(err, "bind 127.0.0.1:" + std::to_string(port) + " in " + ns.name());
    }
    return fd;
  });
}

Result<void> demo() {
  std::printf("== a throwaway host namespace with a stand-in NIC (veth enp0, wire in wire0)\n");
  auto host = MR_TRY_VALUE(new_space());
  MR_TRY(create_veth(host.nl, {.name = "enp0", .peer_name = "wire0", .settings = {.up = true},
                               .peer_settings = {.up = true}}));
  auto enp0 = MR_TRY_VALUE(get_link(host.nl, "enp0"));
  MR_TRY(add_address(host.nl, enp0.index, MR_TRY_VALUE(IpPrefix::parse("192.0.2.1/24"))));
  print("host:", host.nl);

  std::printf("\n== 1. container A unshares CLONE_NEWNET: it sees only its loopback\n");
  auto a = MR_TRY_VALUE(new_space());
  print("container A:", a.nl);

  std::printf("\n== 2-3. the host's enp0 becomes A's eth0; A gives it an address\n");
  auto host_state = MR_TRY_VALUE(capture_link(host.nl, "enp0"));
  MR_TRY(move_link(host.nl, enp0.index, a.ns, "eth0"));
  auto eth0 = MR_TRY_VALUE(get_link(a.nl, "eth0"));
  MR_TRY(add_address(a.nl, eth0.index, MR_TRY_VALUE(IpPrefix::parse("10.0.0.2/24"))));
  MR_TRY(set_link_up(a.nl, eth0.index, true));
  MR_TRY(add_route(a.nl, default_route(MR_TRY_VALUE(IpAddress::parse("10.0.0.1")))));
  print("container A:", a.nl);
  print("host (enp0 is gone, 10.0.0.2 is not here):", host.nl);

  std::printf("\n== 4. containers A and B both bind 127.0.0.1:8080\n");
  auto b = MR_TRY_VALUE(new_space());
  int fa = MR_TRY_VALUE(bind_loopback(a.ns, 8080));
  int fb = MR_TRY_VALUE(bind_loopback(b.ns, 8080));
  std::printf("  A listens on fd %d, B listens on fd %d: no EADDRINUSE\n", fa, fb);
  ::close(fa);
  ::close(fb);

  std::printf("\n== 5. eth0 goes home as enp0 with its MTU, state and addresses\n");
  MR_TRY(move_link(a.nl, eth0.index, host.ns, host_state.link.name));
  auto back = MR_TRY_VALUE(get_link(host.nl, host_state.link.name));
  for (const auto& addr : host_state.addresses)
    MR_TRY(add_address(host.nl, back.index, addr.prefix, addr.options()));
  MR_TRY(change_link(host.nl, back.index, {.mtu = host_state.link.mtu, .up = host_state.link.up()}));
  print("host:", host.nl);
  return {};
}

}  // namespace

int main() {
  if (auto r = demo(); !r) {
    std::fprintf(stderr, "netns-demo: %s\n", r.error().message().c_str());
    return 1;
  }
  return 0;
}
