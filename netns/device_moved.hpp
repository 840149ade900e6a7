// The moved-device recipe: a host device lent to the container and given back as it
// was (the 2006 RFC's "make a device visible"). Its create, journal record, undo, live
// view and export are in device_moved.cpp, over the moving and returning of
// moved_link.hpp; device_kind.hpp says what each of those does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netns/address.hpp"
#include "netns/device_kind.hpp"
#include "netns/device_sysctl.hpp"
#include "netns/ip.hpp"
#include "netns/link_proof.hpp"
#include "netns/neighbour.hpp"
#include "netns/route.hpp"

namespace mr::netns {

// Which of its host addresses a moved device gets back in the container: the move
// flushes them all (the kernel's NETDEV_UNREGISTER path).
enum class KeepAddresses : uint8_t {
  none,  // our spec's default: only the spec's addresses
  // our spec's keepAddresses: every address teardown would give back on the host
  // (capture_addresses())
  all,
  // linux.netDevices: the permanent global ones (is_permanent_global()), as the
  // runtime-spec says
  permanent_global,
};

// Move a host device into the container (the 2006 RFC's "make a device visible").
struct MoveDevice {
  std::string host_name;
  KeepAddresses keep_addresses = KeepAddresses::none;
  // Give it back to the host, under its original name with its original addresses, MTU
  // and up/down state, at teardown. false for linux.netDevices, whose devices the
  // runtime-spec leaves alone at deletion.
  bool return_on_teardown = true;
};

// Give a moved device back to the host as it was.
struct ReturnLink {
  static constexpr std::string_view kRecord = "return";
  static constexpr LinkSource kSource = LinkSource::moved;
  std::string ctr_name;  // the name asked for in the container (may be a "%d" template)
  int ctr_index = 0;     // the ifindex it was given in the container: its identity there
  std::string host_name;
  int host_index = 0;
  std::string kind;      // IFLA_INFO_KIND on the host, checked before taking it back
  // What proves a device found later to be this one (link_proof.hpp); kind none in
  // records written before proofs were, and for linux.netDevices, which are not given back.
  LinkProof proof;
  uint32_t mtu = 0;
  std::optional<MacAddress> mac;
  bool up = false;
  std::vector<AddressInfo> addresses;  // what the move flushed and undo puts back
  std::vector<Route> routes;           // routes through it, in every table, that the move dropped
  // What else the move loses (netns/link_config.hpp). A record of an older version has
  // none of these, and gets back what that version restored.
  std::optional<MasterLink> master;    // the bridge or bond it was a port of
  std::vector<Neighbour> neighbours;   // permanent, no-ARP and proxy entries
  DeviceSysctls sysctls;
  std::optional<LifetimeClock> clock;  // when the addresses' lifetimes were read, if finite
};

MR_NETNS_DEVICE_RECIPE(MoveDevice, ReturnLink);

}  // namespace mr::netns
