// Links: look up, create, change, move and delete network devices, one rtnetlink request
// per function. Every lookup asks the kernel for one link by name or index: nothing here
// dumps or caches all links, so the cost does not grow with the number of host devices.
#pragma once

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

class Netns;

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;            // IFLA_INFO_KIND: "veth", "bridge", "macvlan"; "" for physical
  unsigned flags = 0;          // IFF_UP, IFF_LOWER_UP, ...
  uint32_t mtu = 0;
  std::optional<MacAddress> mac;
  int master = 0;              // bridge index, 0 if none
  int parent = 0;              // IFLA_LINK: veth peer or macvlan parent index (in link_netns)
  bool parent_elsewhere = false;  // IFLA_LINK_NETNSID present: the parent is in another namespace
  int link_netnsid = -1;       // IFLA_LINK_NETNSID: that namespace's id, in the asker's terms
  // What hardware reports of itself, which no virtual device can be made to carry: the
  // permanent address (IFLA_PERM_ADDRESS, set by the driver at registration) and the
  // bus device it sits on (IFLA_PARENT_DEV_NAME and _BUS_NAME, e.g. "0000:00:03.0", "pci").
  std::optional<MacAddress> perm_mac;
  std::string parent_dev;
  std::string parent_bus;
  uint8_t operstate = 0;       // IF_OPER_*
  uint32_t macvlan_mode = 0;   // MACVLAN_MODE_* for macvlans
  // IFLA_NETNS_IMMUTABLE: the kernel refuses to move it to another namespace (a bridge, a
  // bond, lo, ...). Reported since Linux 6.15; nullopt from older kernels.
  std::optional<bool> netns_immutable;

  bool up() const;
};

// Whether the kernel refuses to move the link to another namespace (dev_change_net_namespace()
// fails with EINVAL): what the kernel reports (netns_immutable), or from a kernel that
// does not report it, the kinds it keeps in their namespace (bridge, bond, team, vrf,
// openvswitch) and loopbacks. ethtool's "netns-local" feature, which told the same,
// is gone since Linux 6.12.
bool is_netns_immutable(const LinkInfo& link);

// The bridge or bond a link is enslaved to, as recorded before the link moves away:
// the master found again on return must match all three.
struct MasterLink {
  int index = 0;
  std::string name;
  std::string kind;
};

// Link attributes set at creation or changed later, all in one request.
struct LinkSettings {
  std::optional<std::string> name;  // rename
  std::optional<uint32_t> mtu;
  std::optional<MacAddress> mac;
  std::optional<bool> up;
  std::optional<int> master;        // bridge index; 0 detaches
};

enum class MacvlanMode : uint32_t { private_ = 1, vepa = 2, bridge = 4, passthru = 8, source = 16 };
Result<MacvlanMode> parse_macvlan_mode(std::string_view text);
std::string_view to_string(MacvlanMode mode);

Result<LinkInfo> get_link(NlSocket& s, std::string_view name);
// The same, also handing the kernel's answer to `also` (for what LinkInfo leaves out).
Result<LinkInfo> get_link(NlSocket& s, std::string_view name, const NlSocket::ReplyFn& also);
Result<LinkInfo> get_link(NlSocket& s, int index);
// Link `index` of the namespace that the namespace of `s` calls `nsid` (IFLA_TARGET_NETNSID).
Result<LinkInfo> get_link_in(NlSocket& s, int nsid, int index);
// Like get_link, but a link that is not there is an empty optional, not an error.
Result<std::optional<LinkInfo>> find_link(NlSocket& s, std::string_view name);

// Changes any of name, MTU, MAC, up/down and bridge of a link in one request.
Result<void> change_link(NlSocket& s, int index, const LinkSettings& settings);
// The same, finding the link by name in the same request (settings.name renames it).
Result<void> change_link(NlSocket& s, std::string_view name, const LinkSettings& settings);
Result<void> set_link_up(NlSocket& s, int index, bool up);
Result<void> rename_link(NlSocket& s, int index, std::string_view name);
Result<void> set_link_mtu(NlSocket& s, int index, uint32_t mtu);
Result<void> set_link_mac(NlSocket& s, int index, const MacAddress& mac);
// Attaches a link to a bridge (master_index) or detaches it (0).
Result<void> set_link_master(NlSocket& s, int index, int master_index);
// No IPv6 link-local address for the link (IFLA_INET6_ADDR_GEN_MODE none): for a bridge
// port, which needs none, and whose link-local address would cost a DAD probe, MLD
// reports and router solicitations flooded to every other port. It must be set after
// the link exists (the kernel refuses AF_INET6 settings in the creating request) and
// before it has carrier, when addrconf makes the address. A link without IPv6 (the
// kernel's ipv6.disable, or an MTU below 1280) has nothing to suppress: not an error.
Result<void> suppress_ipv6_link_local(NlSocket& s, std::string_view name);

// Lets the bridge send a frame back out of the port `name` it came in by (hairpin mode).
// With br_netfilter on, a connection DNATed to the container that made it is bridged
// back to that container's own port, which a bridge otherwise refuses to do.
Result<void> set_bridge_port_hairpin(NlSocket& s, std::string_view name);

// Moves a link from the namespace of `from` into `to`, renamed to new_name in the same
// request when one is given (no window in which the old name could clash). The kernel
// flushes the link's addresses and brings it down on the move. A move that fails leaves
// the link where it was.
Result<void> move_link(NlSocket& from, int index, const Netns& to, std::string_view new_name = {});

// A veth pair: `name` in the namespace of `s`, and its peer created directly inside
// `peer_ns` (or beside it, if null) under its final name, so nothing is moved later.
struct VethSpec {
  std::string name;
  std::string peer_name;
  const Netns* peer_ns = nullptr;
  LinkSettings settings;       // for `name`; settings.name is ignored
  LinkSettings peer_settings;  // for the peer; name and master are ignored
};
// The kernel cannot bring the peer up while the pair is being made (veth_open() sees no
// peer yet and fails with ENOTCONN), so peer_settings.up takes a second request, sent
// through `peer_socket` (a socket in peer_ns; `s` when the peer stays beside `name`).
Result<void> create_veth(NlSocket& s, const VethSpec& spec, NlSocket* peer_socket = nullptr);

Result<void> create_bridge(NlSocket& s, std::string_view name, const LinkSettings& settings = {});

// A macvlan child of `parent_index` (a link in the namespace of `s`) created directly
// inside `target` (or beside its parent, if null) under `name`.
struct MacvlanSpec {
  std::string name;
  int parent_index = 0;
  MacvlanMode mode = MacvlanMode::bridge;
  const Netns* target = nullptr;
  LinkSettings settings;  // settings.name and master are ignored
};
Result<void> create_macvlan(NlSocket& s, const MacvlanSpec& spec);

// Deletes a virtual link (with a veth, its peer goes too).
Result<void> delete_link(NlSocket& s, int index);

// The parts of an RTM_NEWLINK request that carry `settings`: the ifinfomsg (index and
// the up/down change) and the attributes after it (name, MTU, MAC, and the bridge when
// `with_master`), for requests built elsewhere in netns/.
ifinfomsg make_ifinfo(int index, const LinkSettings& settings);
void put_settings(nl::Message& m, const LinkSettings& settings, bool with_master);

// Parses an RTM_NEWLINK message into a LinkInfo (used by lookups and snapshots).
LinkInfo parse_link(const nlmsghdr* h);

}  // namespace mr::netns
