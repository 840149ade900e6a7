#include "netdef/network_def.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "base/fnv.hpp"
#include "netdef/prefix_math.hpp"
#include "netdef/random_bytes.hpp"
#include "oci/json_input.hpp"

namespace mr::netdef {

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_name_char(char c) { return is_name_start(c) || c == '_' || c == '.' || c == '-'; }

std::string hex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

bool is_id(std::string_view id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string family_name(int family) { return family == AF_INET ? "IPv4" : "IPv6"; }

std::string in_quotes(std::string_view text) { return "\"" + oci::one_line(text) + "\""; }

void check_subnet(const Subnet& s, const std::string& ptr, std::vector<Problem>& out) {
  const netns::IpPrefix& net = s.subnet;
  // A gateway and at least one container: /30 and /126 are the smallest with two host
  // addresses besides the network (and IPv4 broadcast) address.
  const uint8_t longest = net.family() == AF_INET ? 30 : 126;
  if (net.length == 0 || net.length > longest) {
    out.push_back({ptr + "/subnet", "expected a prefix length from 1 to " + std::to_string(longest) + " for an " +
                                        family_name(net.family()) + " subnet (got " + net.to_string() + ")"});
    return;
  }
  if (net.network() != net) {
    out.push_back({ptr + "/subnet", "expected a network address: " + in_quotes(net.to_string()) +
                                        " has host bits set (did you mean " + in_quotes(net.network().to_string()) + "?)"});
    return;
  }
  if (s.gateway.family != net.family() || !net.contains(s.gateway))
    out.push_back({ptr + "/gateway", "expected an address inside subnet " + net.to_string() + " (got " +
                                         s.gateway.to_string() + ")"});
  else if (s.gateway == net.address)
    out.push_back({ptr + "/gateway", "expected a host address of subnet " + net.to_string() +
                                         ", not its network address (got " + s.gateway.to_string() + ")"});
  else if (net.family() == AF_INET && s.gateway == last_address(net))
    out.push_back({ptr + "/gateway", "expected a host address of subnet " + net.to_string() +
                                         ", not its broadcast address (got " + s.gateway.to_string() + ")"});
  if (s.ip_range) {
    const netns::IpPrefix& range = *s.ip_range;
    if (range.network() != range)
      out.push_back({ptr + "/ipRange", "expected a network address: " + in_quotes(range.to_string()) +
                                           " has host bits set (did you mean " + in_quotes(range.network().to_string()) +
                                           "?)"});
    else if (!inside(range, net))
      out.push_back({ptr + "/ipRange", "expected a range inside subnet " + net.to_string() + " (got " +
                                           range.to_string() + ")"});
  }
}

}  // namespace

Result<void> check_network_name(std::string_view name) {
  if (name.empty()) return fail(0, "network name is empty");
  if (name.size() > kMaxNetworkNameLength)
    return fail(0, "network name " + in_quotes(name.substr(0, 16)) + "... is longer than " +
                            std::to_string(kMaxNetworkNameLength) + " bytes");
  if (!is_name_start(name[0]) ||
      !std::all_of(name.begin(), name.end(), is_name_char))
    return fail(0, "network name " + in_quotes(name) +
                            " does not match [a-zA-Z0-9][a-zA-Z0-9_.-]* (a letter or digit, then letters, "
                            "digits, '_', '.' or '-')");
  return {};
}

std::string id_from_name(std::string_view name) {
  // Eight rounds of FNV-1a over "NAME#i": stable across builds and machines, which is
  // all a name-derived id needs (it identifies, it does not protect).
  std::array<uint8_t, 32> bytes{};
  for (uint32_t round = 0; round < 8; ++round) {
    uint32_t h = fnv1a(std::string(name) + "#" + std::to_string(round));
    for (int b = 0; b < 4; ++b) bytes[round * 4 + b] = static_cast<uint8_t>(h >> (24 - 8 * b));
  }
  return hex(bytes.data(), bytes.size());
}

Result<std::string> random_id() {
  std::array<uint8_t, 32> bytes{};
  MR_TRY(random_bytes(bytes, "a network id"));
  return hex(bytes.data(), bytes.size());
}

std::string default_bridge_name(std::string_view id) { return "mr-" + std::string(id.substr(0, 12)); }

netns::IpAddress first_host(const netns::IpPrefix& subnet) { return add_to(subnet.network().address, 1); }

NetworkDef builtin_default_network() {
  NetworkDef def;
  def.name = std::string(kDefaultNetworkName);
  def.id = id_from_name(def.name);
  def.bridge = std::string(kDefaultBridge);
  netns::IpPrefix subnet = *netns::IpPrefix::parse("10.89.0.0/24");
  def.subnets.push_back({subnet, first_host(subnet), std::nullopt});
  return def;
}

std::vector<Problem> check_network_rules(const NetworkDef& def) {
  std::vector<Problem> out;
  if (auto r = check_network_name(def.name); !r) out.push_back({"/name", r.error().context});
  if (!is_id(def.id)) out.push_back({"/id", "expected 64 lowercase hexadecimal digits (got " + in_quotes(def.id) + ")"});
  if (def.driver != "bridge") out.push_back({"/driver", "expected one of: bridge (got " + in_quotes(def.driver) + ")"});
  if (auto r = netns::check_ifname(def.bridge); !r) out.push_back({"/bridge", r.error().context});
  if (def.subnets.empty() || def.subnets.size() > 2)
    out.push_back({"/subnets", "expected one or two subnets, at most one per family (got " +
                                   std::to_string(def.subnets.size()) + ")"});
  bool seen[2] = {false, false};
  for (size_t i = 0; i < def.subnets.size(); ++i) {
    const std::string ptr = "/subnets/" + std::to_string(i);
    const int family = def.subnets[i].subnet.family();
    bool& had = seen[family == AF_INET ? 0 : 1];
    if (had) {
      out.push_back({ptr, "expected at most one " + family_name(family) + " subnet (this is a second one)"});
      continue;
    }
    had = true;
    check_subnet(def.subnets[i], ptr, out);
  }
  // 68 is the IPv4 minimum (RFC 791), 1280 IPv6's (RFC 8200); above 65535 no link goes.
  if (def.mtu) {
    const bool has_v6 = seen[1];
    const uint32_t least = has_v6 ? 1280 : 68;
    if (*def.mtu < least || *def.mtu > 65535)
      out.push_back({"/mtu", "expected an MTU from " + std::to_string(least) + " to 65535" +
                                 (has_v6 ? " for a network with IPv6" : "") + " (got " + std::to_string(*def.mtu) +
                                 ")"});
  }
  if (def.labels.contains("")) out.push_back({"/labels/", "expected a label key, not an empty one"});
  return out;
}

}  // namespace mr::netdef
