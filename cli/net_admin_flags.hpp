// The command line of attach, detach and show on a running container, shared by its two
// front doors: `mini-runc net attach|detach|show` and `netns-hook attach|detach|show` (for
// runtimes that do not know these commands). One registration, so the two take exactly
// the same arguments, and one translation of attach's flags into the netns model.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netns/network_config.hpp"

namespace mr::cli {

struct AttachFlags {
  std::string id;
  std::string hostdev;
  std::string name;
  std::vector<std::string> addresses;
  bool keep_addresses = false;
  std::optional<uint32_t> mtu;
  std::string mac;
  bool macvlan = false;
  std::string mode;
  bool veth = false;
  std::string bridge;
  std::vector<std::string> host_addresses;
  std::string network;               // join this managed network
  std::vector<std::string> aliases;  // more names in its DNS
};

struct DetachFlags {
  std::string id;
  std::string name;
};

struct ShowFlags {
  std::string id;
  bool json = false;
};

// ID HOSTDEV [--name NAME] [--address CIDR ...] [--keep-addresses] [--mtu N] [--mac MAC]
// [--macvlan [--mode M]] [--veth [--bridge BR] [--host-address CIDR ...]]
// or ID --network NAME [--name NAME] [--address IP ...] [--alias NAME ...] [--mtu N] [--mac MAC]
void add_attach_flags(CLI::App& sub, AttachFlags& f);
// ID NAME
void add_detach_flags(CLI::App& sub, DetachFlags& f);
// ID [--json]
void add_show_flags(CLI::App& sub, ShowFlags& f);

// The device the flags ask for, checked as far as flags alone allow: a flag of another
// kind of device is refused rather than ignored, a value that does not parse is named by
// its flag. Errors begin with `command` ("net attach"). A device that joins a network
// (--network) has no name when --name leaves it out: the caller picks a free ethN.
Result<netns::DeviceConfig> device_from_flags(const AttachFlags& f, std::string_view command);

}  // namespace mr::cli
