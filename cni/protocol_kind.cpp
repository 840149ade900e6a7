#include "cni/protocol_kind.hpp"

#include <array>

#include "oci/json_input.hpp"

namespace mr::cni {

using nlohmann::json;

namespace {

// The key that says what the attachment is, and the keys that may go with each.
constexpr std::array<std::string_view, 5> kSelectors = {"network", "device", "hwaddr", "master", "bridge"};

Failure at(Code code, const std::string& pointer, const std::string& what) {
  return {code, oci::input_error(kConfigFile, pointer, what).message(), {}};
}

Outcome<std::optional<std::string>> optional_string(const json& doc, std::string_view key) {
  auto it = doc.find(key);
  if (it == doc.end()) return std::optional<std::string>{};
  if (!it->is_string())
    return std::unexpected(at(Code::decode_failure, "/" + std::string(key), "expected a string (got " + oci::brief(*it) + ")"));
  return it->get<std::string>();
}

// A host device's name, as the kernel would take it.
Outcome<std::string> host_device_name(const std::string& name, std::string_view key) {
  if (auto ok = netns::check_ifname(name); !ok)
    return std::unexpected(at(Code::invalid_config, "/" + std::string(key),
                              "expected a host device's name: " + ok.error().context));
  return name;
}

Outcome<std::optional<uint32_t>> read_mtu(const json& doc) {
  auto it = doc.find("mtu");
  if (it == doc.end()) return std::optional<uint32_t>{};
  if (!it->is_number())
    return std::unexpected(at(Code::decode_failure, "/mtu", "expected a number (got " + oci::brief(*it) + ")"));
  if (!it->is_number_unsigned() || it->get<uint64_t>() < 68 || it->get<uint64_t>() > 65535)
    return std::unexpected(at(Code::invalid_config, "/mtu", "expected a number from 68 to 65535 (got " + oci::brief(*it) + ")"));
  return it->get<uint32_t>();
}

// "ipam": {"type": PLUGIN, ...}: PLUGIN is a file name in CNI_PATH.
Outcome<json> read_ipam(const json& ipam) {
  if (!ipam.is_object())
    return std::unexpected(at(Code::decode_failure, "/ipam", "expected an object (got " + oci::brief(ipam) + ")"));
  auto type = MR_TRY_VALUE(optional_string(ipam, "type"));
  if (!type)
    return std::unexpected(at(Code::invalid_config, "/ipam/type", "missing; expected an IPAM plugin's file name"));
  if (type->empty() || type->find('/') != std::string::npos)
    return std::unexpected(at(Code::invalid_config, "/ipam/type", "expected an IPAM plugin's file name (got \"" + *type + "\")"));
  return ipam;
}

Outcome<AttachmentKind> read_kind(const json& doc, std::string_view selector) {
  if (selector == "device" || selector == "hwaddr") {
    HostDeviceKind k;
    if (auto device = MR_TRY_VALUE(optional_string(doc, "device")))
      k.device = MR_TRY_VALUE(host_device_name(*device, "device"));
    if (auto hwaddr = MR_TRY_VALUE(optional_string(doc, "hwaddr"))) {
      auto mac = netns::MacAddress::parse(*hwaddr);
      if (!mac)
        return std::unexpected(at(Code::invalid_config, "/hwaddr", "expected a MAC address such as 02:00:00:00:00:01 (got \"" + *hwaddr + "\")"));
      k.hwaddr = *mac;
    }
    return k;
  }
  if (selector == "master") {
    MacvlanKind k;
    k.master = MR_TRY_VALUE(host_device_name(*MR_TRY_VALUE(optional_string(doc, "master")), "master"));
    if (auto mode = MR_TRY_VALUE(optional_string(doc, "mode"))) {
      auto m = netns::parse_macvlan_mode(*mode);
      if (!m)
        return std::unexpected(at(Code::invalid_config, "/mode",
                                  "expected bridge, private, vepa, passthru or source (got \"" + *mode + "\")"));
      k.mode = *m;
    }
    k.mtu = MR_TRY_VALUE(read_mtu(doc));
    return k;
  }
  BridgeKind k;
  k.bridge = MR_TRY_VALUE(host_device_name(*MR_TRY_VALUE(optional_string(doc, "bridge")), "bridge"));
  k.mtu = MR_TRY_VALUE(read_mtu(doc));
  return k;
}

// The selectors a key besides them goes with, in words.
std::string_view goes_with(std::string_view key) {
  if (key == "mode") return "master";
  if (key == "mtu") return "master or bridge";
  return "device, hwaddr, master or bridge";  // ipam
}

}  // namespace

bool kind_key(std::string_view key) {
  for (std::string_view k : kSelectors)
    if (key == k) return true;
  return key == "mode" || key == "mtu" || key == "ipam";
}

Outcome<void> read_attachment_kind(const json& doc, NetConf& c) {
  std::string selector;
  for (std::string_view k : kSelectors) {
    if (!doc.contains(k)) continue;
    if (!selector.empty())
      return std::unexpected(at(Code::invalid_config, "/" + std::string(k),
                                "expected one of network, device, hwaddr, master and bridge (" + selector +
                                    " is given too)"));
    selector = k;
  }
  if (selector.empty())
    return std::unexpected(at(Code::invalid_config, "/network",
                              "missing; expected a network's name, or a host device by device, hwaddr, master or bridge"));
  for (std::string_view k : {"mode", "mtu", "ipam"})
    if (doc.contains(k) && goes_with(k).find(selector) == std::string_view::npos)
      return std::unexpected(at(Code::invalid_config, "/" + std::string(k),
                                std::string(k) + " goes with " + std::string(goes_with(k)) + ", not with " + selector));
  if (selector == "network") {
    c.network = *MR_TRY_VALUE(optional_string(doc, "network"));
    if (c.network.empty()) return std::unexpected(at(Code::invalid_config, "/network", "expected a network's name"));
    return {};
  }
  c.kind = MR_TRY_VALUE(read_kind(doc, selector));
  if (auto it = doc.find("ipam"); it != doc.end()) c.ipam = MR_TRY_VALUE(read_ipam(*it));
  return {};
}

}  // namespace mr::cni
