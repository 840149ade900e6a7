// `net show` as a table: one line per link (further addresses on lines of their own)
// with where it came from on the host, then the routes. Drawn from the same JSON that
// --json prints (network_view_json.hpp), so the two never disagree. Shared by
// `mini-runc net show` and `netns-hook show`.
#pragma once

#include <string>

#include "netns/inspect.hpp"

namespace mr::cli {

std::string render_network_table(const netns::ContainerNetworkView& view);

}  // namespace mr::cli
