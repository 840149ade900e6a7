// `net export`'s model of a container's live links: each link's DeviceConfig, made by
// the recipe of its kind (device_*.cpp) from what the kernel and the journal say
// (inspect.hpp), for netspec/ to write as a network spec. The policy of what a new
// container would get anyway, or must not copy, is here; the JSON is not.
#pragma once

#include <optional>
#include <string>

#include "netns/address.hpp"
#include "netns/link_origin.hpp"
#include "netns/network_config.hpp"

namespace mr::netns {

// One link's model, or the line saying why a spec cannot describe it.
struct ExportedDevice {
  std::optional<DeviceConfig> device;
  std::string left_out;
};

// An address the user (or apply()) set, not one the kernel made: IPv6 link-local ones
// come with the link, SLAAC ones lack IFA_F_PERMANENT.
bool is_configured(const AddressInfo& a);

// The link as its recipe exports it; a link without a host origin in the journal (made
// in the container, or a linux.netDevices device it keeps) has none.
ExportedDevice export_device(const ShownLink& l);

// The part of a link's export every kind shares: name, configured addresses, MTU, up.
DeviceConfig exported_basics(const ShownLink& l);

}  // namespace mr::netns
