// The macvlan recipe: a host device exposed without taking it away, as a macvlan child
// of it made in the container, deleted there. Its create, journal record, undo, live
// view and export are in device_macvlan.cpp; device_kind.hpp says what each of those
// does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/device_kind.hpp"
#include "netns/ip.hpp"

namespace mr::netns {

// Expose a host device without taking it away: a macvlan child of it in the container.
struct MacvlanDevice {
  std::string parent;  // host device name
  MacvlanMode mode = MacvlanMode::bridge;
};

// Delete a macvlan made inside the container.
struct DeleteMacvlan {
  static constexpr std::string_view kRecord = "macvlan";
  static constexpr LinkSource kSource = LinkSource::macvlan;
  std::string ctr_name;
  // Its parent on the host, by name and ifindex; "" and 0 in records written before
  // these were.
  std::string parent;
  int parent_index = 0;
};

MR_NETNS_DEVICE_RECIPE(MacvlanDevice, DeleteMacvlan);

}  // namespace mr::netns
