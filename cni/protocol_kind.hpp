// What a plugin configuration asks the attachment to be: a managed network ("network"),
// or a host device moved in ("device" or "hwaddr"), a macvlan of one ("master", "mode",
// "mtu") or a veth on a host bridge ("bridge", "mtu"), these three with addresses from a
// delegated IPAM plugin ("ipam"). Part of read_config(); pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "cni/protocol.hpp"

namespace mr::cni {

// Whether `key` is one of the keys above.
bool kind_key(std::string_view key);

// Sets c.network, or c.kind and c.ipam, from the configuration `doc`: exactly one of
// network, device (or hwaddr), master and bridge, and only the keys that go with it
// (code 7 naming the pointer); a value of the wrong type is code 6.
Outcome<void> read_attachment_kind(const nlohmann::json& doc, NetConf& c);

}  // namespace mr::cni
