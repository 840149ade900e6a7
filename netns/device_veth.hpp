// The veth recipe: a pair made for the container, one end inside and the other on the
// host (on a bridge, if asked), deleted by its host end. Its create, journal record,
// undo, live view and export are in device_veth.cpp; device_kind.hpp says what each
// of those does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/device_kind.hpp"
#include "netns/ip.hpp"

namespace mr::netns {

// A veth pair, one end in the container and the other on the host.
struct VethDevice {
  std::string host_name;                 // "" = derived from the container id
  std::optional<std::string> bridge;     // host bridge to attach the host end to
  std::vector<IpPrefix> host_addresses;  // addresses of the host end
};

// Delete a veth pair by its host end (the container end goes with it).
struct DeleteVeth {
  static constexpr std::string_view kRecord = "veth";
  static constexpr LinkSource kSource = LinkSource::veth;
  std::string host_name;
  std::string ctr_name;
};

MR_NETNS_DEVICE_RECIPE(VethDevice, DeleteVeth);

// The host end's name for veth `position` of a container that names none: the first
// variant of derived_veth_name() (config_check.hpp) not on the host.
Result<std::string> free_derived_veth_name(NlSocket& host, const std::string& container_id, size_t position);

}  // namespace mr::netns
