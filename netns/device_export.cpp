#include "netns/device_export.hpp"

#include <type_traits>
#include <variant>

#include "netns/device_recipe.hpp"

namespace mr::netns {

namespace {

// The recipe whose record kind made the link (ShownLink::origin.source), tried in the
// order of the journal's record variant.
template <size_t I = 0>
ExportedDevice export_by_recipe(const ShownLink& l) {
  if constexpr (I == std::variant_size_v<UndoStep>) {
    // Made inside the container, or a device it keeps at deletion (linux.netDevices,
    // whose journal step is done at once): nothing says where it came from.
    return {std::nullopt, "link " + l.link.name + (l.link.kind.empty() ? "" : " (" + l.link.kind + ")") +
                              ": no host origin in the journal, a spec cannot describe it"};
  } else {
    using Record = std::variant_alternative_t<I, UndoStep>;
    if (l.origin.source == Record::kSource) return export_device(l, std::type_identity<Record>{});
    return export_by_recipe<I + 1>(l);
  }
}

}  // namespace

bool is_configured(const AddressInfo& a) {
  if (a.prefix.address.is_ipv6_link_local()) return false;
  return a.prefix.family() == AF_INET || a.permanent();
}

ExportedDevice export_device(const ShownLink& l) { return export_by_recipe(l); }

DeviceConfig exported_basics(const ShownLink& l) {
  DeviceConfig d{.name = l.link.name};
  for (const auto& a : l.addresses)
    if (is_configured(a)) d.addresses.push_back(a.prefix);
  d.mtu = l.link.mtu;
  d.up = l.link.up();
  return d;
}

}  // namespace mr::netns
