// The order in which apply() changes a device, as the kernel announces it: a device comes
// up only once all its addresses are on it. While a device is up, every IPv6 address
// added makes the kernel walk all of the device's multicast groups again (one per
// address so far), so the other order costs N^2 in the kernel for N addresses.
#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <set>

#include "support/apply_full_config.hpp"

using namespace mr;
using namespace mr::netns;
using namespace mr::test;

namespace {

struct DeviceEvents {
  std::vector<size_t> up;                          // positions of RTM_NEWLINK with IFF_UP
  std::map<std::string, size_t> address_added;     // IPv4 address -> position of its RTM_NEWADDR
};

// The link and IPv4 address events queued on `events`, by ifindex, numbered in the order
// the kernel sent them. Only IPv4: the kernel announces an IPv4 address in the request
// that adds it (__inet_insert_ifa() -> rtmsg_ifa(), before the ACK), but an IPv6 address
// added without DAD only when its DAD work has run (addrconf_dad_completed()), which may
// be after the next request.
std::map<int, DeviceEvents> drain(const UniqueFd& events) {
  std::map<int, DeviceEvents> out;
  std::vector<char> buf(1 << 16);
  for (size_t position = 0;;) {
    ssize_t n = ::recv(events.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN) return out;
    REQUIRE_MESSAGE(n > 0, "reading events: " << std::strerror(errno));  // ENOBUFS: events lost
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left), ++position) {
      if (h->nlmsg_type == RTM_NEWLINK) {
        auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        if (ifi->ifi_flags & IFF_UP) out[ifi->ifi_index].up.push_back(position);
      } else if (h->nlmsg_type == RTM_NEWADDR) {
        auto a = parse_address(h);
        out[a.index].address_added.emplace(a.prefix.to_string(), position);
      }
    }
  }
}

}  // namespace

TEST_CASE("apply brings each device up only once all its addresses are on it") {
  FullHost h;
  auto ctr = h.sb.child();
  TempDir dir;
  auto journal = MUST(Journal::open(dir.file("j")));
  auto t = targets(h.sb, ctr);
  auto events = link_events(ctr.ns, RTMGRP_LINK | RTMGRP_IPV4_IFADDR);
  auto applied = MUST(apply(full_config(), t, journal));
  auto seen = drain(events);

  // Each kind: moved (eth0), moved with the host's addresses (eth1), macvlan, veth.
  const std::map<std::string, std::set<std::string>> ipv4 = {
      {"eth0", {"10.1.0.2/24"}}, {"eth1", {"203.0.113.20/24"}}, {"mv0", {"10.3.0.2/24"}}, {"veth0", {"10.4.0.2/24"}}};
  REQUIRE(applied.devices.size() == ipv4.size());
  for (const auto& d : applied.devices) {
    CAPTURE(d.name);
    CHECK(ctr.link(d.name).up());
    const auto& ev = seen[d.index];
    REQUIRE_FALSE(ev.up.empty());
    size_t first_up = ev.up.front();
    std::set<std::string> added;
    for (const auto& [address, position] : ev.address_added) {
      CAPTURE(address);
      CHECK(position < first_up);
      added.insert(address);
    }
    CHECK(added == ipv4.at(d.name));
  }
}
