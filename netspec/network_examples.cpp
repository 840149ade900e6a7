#include "netspec/network_examples.hpp"

#include <nlohmann/json.hpp>

namespace mr::netspec {

namespace {

struct Example {
  ExampleKind kind;
  std::string_view name;
  std::string_view json;
};

// Addresses from the documentation ranges (RFC 5737, RFC 3849) and a private range for
// the bridge, so copying an example never claims someone's real address.
constexpr Example kExamples[] = {
    {ExampleKind::move, "move", R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "move": "enp3s0", "addresses": ["192.0.2.10/24", "2001:db8::10/64"], "mtu": 1500}
  ],
  "routes": [
    {"to": "default", "via": "192.0.2.1"},
    {"to": "default", "via": "2001:db8::1"}
  ],
  "dns": {"nameservers": ["192.0.2.1"], "search": ["example.com"]}
})"},
    {ExampleKind::expose, "expose", R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "macvlan": {"parent": "enp4s0", "mode": "bridge"}, "addresses": ["198.51.100.7/24"]}
  ],
  "routes": [
    {"to": "default", "via": "198.51.100.1"}
  ],
  "hosts": [{"address": "198.51.100.1", "names": ["gateway"]}]
})"},
    {ExampleKind::veth_bridge, "veth-bridge", R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "veth": {"bridge": "mr0"}, "addresses": ["10.88.0.5/16"], "mtu": 1400}
  ],
  "routes": [
    {"to": "default", "via": "10.88.0.1"}
  ],
  "sysctl": {"net.ipv4.ip_unprivileged_port_start": "0"},
  "dns": {"nameservers": ["10.88.0.1"]}
})"},
};

}  // namespace

Result<ExampleKind> parse_example_kind(std::string_view name) {
  std::string known;
  for (const auto& e : kExamples) {
    if (e.name == name) return e.kind;
    known += (known.empty() ? "" : ", ") + std::string(e.name);
  }
  return fail_input("", "unknown example \"" + std::string(name) + "\" (expected one of: " + known + ")");
}

std::string_view example_kind_name(ExampleKind kind) {
  for (const auto& e : kExamples)
    if (e.kind == kind) return e.name;
  return "";
}

std::vector<ExampleKind> example_kinds() {
  std::vector<ExampleKind> out;
  for (const auto& e : kExamples) out.push_back(e.kind);
  return out;
}

std::string example_network_spec(ExampleKind kind) {
  for (const auto& e : kExamples)
    if (e.kind == kind) return std::string(e.json) + "\n";
  return {};
}

}  // namespace mr::netspec
