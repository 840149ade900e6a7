// Proving that a device found later is the kernel object that was recorded when it was
// lent to a container. A container's workload may hold CAP_NET_ADMIN in its namespace:
// it can delete, rename and create devices there, and give a new one any free name and
// ifindex (`ip link add name eth1 index 7 ...`), so neither a name nor an ifindex nor a
// kind proves anything. What it cannot forge from inside its namespace:
// - hardware: the permanent address a driver reports (IFLA_PERM_ADDRESS) and the bus
//   device it sits on (IFLA_PARENT_DEV_NAME); no virtual device carries either;
// - a veth: its peer, which stays on the host; the kernel keeps the pair's relation, so
//   the peer itself says which namespace and ifindex its other end has now;
// - a device on a lower device (macvlan, vlan, ...): the lower device on the host, named
//   by the kernel's IFLA_LINK with the host's namespace id; making one needs
//   CAP_NET_ADMIN over the host's namespace.
// A workload with CAP_NET_ADMIN in the host's user namespace can act on host devices
// directly (rtnetlink's IFLA_TARGET_NETNSID) and is beyond what any proof can hold.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/link.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;
struct ReturnLink;

struct LinkProof {
  enum class Kind : uint8_t {
    none,      // nothing the kernel reports proves it (a tun, a vxlan without a lower)
    hardware,  // perm_mac and/or parent_dev
    veth,      // peer_index (in the namespace the host calls peer_nsid, or the host's own)
    lower,     // peer_index: its lower device, on the host
  };
  Kind kind = Kind::none;
  std::optional<MacAddress> perm_mac;
  std::string parent_dev;
  std::string parent_bus;
  int peer_index = 0;
  int peer_nsid = -1;  // kNoNsid: the host's own namespace

  auto operator<=>(const LinkProof&) const = default;
};

// What proves `link`, as a socket in its own namespace sees it, to be itself later.
LinkProof proof_of(const LinkInfo& link);
// "a veth whose peer is link 3 of the host", for messages.
std::string describe(const LinkProof& p);

// Where a lent device can be, with a socket in each place.
struct LentPlaces {
  NlSocket& host;
  const Netns& host_ns;
  const Netns* container = nullptr;  // null: the container's namespace is gone
  NlSocket* container_nl = nullptr;  // a socket in *container, when there is one
};

enum class Place {
  container,  // in the container's namespace, as link `index`
  host,       // home already, as link `index` of the host
  elsewhere,  // it exists, but neither here nor there (moved on by the workload), or
              // nothing proves where it is
  gone,       // it no longer exists: its veth pair or its lower device was deleted
};

struct Whereabouts {
  Place place = Place::elsewhere;
  int index = 0;
  std::string why;  // for elsewhere and gone: the evidence, and any stranger found in its place
};

// Where the device that `r` records is now, by its proof. A record without a proof (one
// written before proofs were recorded, or a linux.netDevices device that is not given
// back) is found as it was then: by its ifindex and kind in the container, else by its
// names and ifindex on the host.
Result<Whereabouts> locate(const ReturnLink& r, LentPlaces& at);

// Whether link `index` of the host is, by its proof, the device that `r` records: the
// check made again once a device is home, since a workload racing the return could
// have swapped it between the check and the move.
Result<bool> proven_on_host(const ReturnLink& r, int index, LentPlaces& at);

// A veth made for the container: whether its host end, named `host_name` on the host,
// is still the end of a pair whose other end is in the container's namespace. Only
// such a pair is the one we made: the host name alone may be another container's or
// the administrator's by now. Empty when there is no such link on the host, or it is
// not ours.
struct VethEnds {
  LinkInfo host_end;
  int container_index = 0;
};
Result<std::optional<VethEnds>> our_veth(NlSocket& host, const Netns& container, const std::string& host_name);

}  // namespace mr::netns
