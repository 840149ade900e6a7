// Example network specs for `mini-runc spec --network KIND`: one per way of giving a
// container a device. The same documents are in examples/network/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace mr::netspec {

enum class ExampleKind { move, expose, veth_bridge };

// "move", "expose" or "veth-bridge".
Result<ExampleKind> parse_example_kind(std::string_view name);
std::string_view example_kind_name(ExampleKind kind);
std::vector<ExampleKind> example_kinds();

// The example as indented JSON text with a final newline.
std::string example_network_spec(ExampleKind kind);

}  // namespace mr::netspec
