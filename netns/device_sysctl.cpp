#include "netns/device_sysctl.hpp"

#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <optional>

#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/sysctl.hpp"

namespace mr::netns {

namespace {

// net.ipv4.conf.DEV.* by IPV4_DEVCONF_* - 1 (include/uapi/linux/ip.h, devinet.c's
// devinet_sysctl table).
constexpr std::array<const char*, 33> kIpv4Names = {
    "forwarding", "mc_forwarding", "proxy_arp", "accept_redirects", "secure_redirects", "send_redirects",
    "shared_media", "rp_filter", "accept_source_route", "bootp_relay", "log_martians", "tag", "arp_filter",
    "medium_id", "disable_xfrm", "disable_policy", "force_igmp_version", "arp_announce", "arp_ignore",
    "promote_secondaries", "arp_accept", "arp_notify", "accept_local", "src_valid_mark", "proxy_arp_pvlan",
    "route_localnet", "igmpv2_unsolicited_report_interval", "igmpv3_unsolicited_report_interval",
    "ignore_routes_with_linkdown", "drop_unicast_in_l2_multicast", "drop_gratuitous_arp", "bc_forwarding",
    "arp_evict_nocarrier"};
static_assert(kIpv4Names.size() == IPV4_DEVCONF_ARP_EVICT_NOCARRIER);

// What restore must not write: mc_forwarding is the multicast routing daemon's state,
// read-only in /proc (0444).
bool ipv4_writable(size_t i) { return i + 1 != IPV4_DEVCONF_MC_FORWARDING; }

// How IFLA_INET6_CONF's value is written to /proc. A few intervals are milliseconds
// there (ipv6_store_devconf(): jiffies_to_msecs()) and seconds in /proc
// (proc_dointvec_jiffies); ioam6_id_wide is unsigned in /proc (proc_douintvec).
enum class Unit : uint8_t { same, ms_to_s, unsigned_, never };

struct Ipv6Key {
  const char* name;
  Unit unit = Unit::same;
};

// net.ipv6.conf.DEV.* by DEVCONF_* (include/uapi/linux/ipv6.h, addrconf.c's
// addrconf_sysctl table). Later kernels append; an index past this table is reported,
// not guessed.
constexpr std::array<Ipv6Key, 62> kIpv6Keys = {{
    {"forwarding"},
    {"hop_limit"},
    {"mtu"},
    {"accept_ra"},
    {"accept_redirects"},
    {"autoconf"},
    {"dad_transmits"},
    {"router_solicitations"},
    {"router_solicitation_interval", Unit::ms_to_s},
    {"router_solicitation_delay", Unit::ms_to_s},
    {"use_tempaddr"},
    {"temp_valid_lft"},
    {"temp_prefered_lft"},
    {"regen_max_retry"},
    {"max_desync_factor"},
    {"max_addresses"},
    {"force_mld_version"},
    {"accept_ra_defrtr"},
    {"accept_ra_pinfo"},
    {"accept_ra_rtr_pref"},
    {"router_probe_interval", Unit::ms_to_s},
    {"accept_ra_rt_info_max_plen"},
    {"proxy_ndp"},
    {"optimistic_dad"},
    {"accept_source_route"},
    {"mc_forwarding", Unit::never},  // read-only: the multicast routing daemon's state
    {"disable_ipv6"},
    {"accept_dad"},
    {"force_tllao"},
    {"ndisc_notify"},
    {"mldv1_unsolicited_report_interval"},
    {"mldv2_unsolicited_report_interval"},
    {"suppress_frag_ndisc"},
    {"accept_ra_from_local"},
    {"use_optimistic"},
    {"accept_ra_mtu"},
    {"stable_secret", Unit::never},  // a secret, not in IFLA_INET6_CONF (always 0 there)
    {"use_oif_addrs_only"},
    {"accept_ra_min_hop_limit"},
    {"ignore_routes_with_linkdown"},
    {"drop_unicast_in_l2_multicast"},
    {"drop_unsolicited_na"},
    {"keep_addr_on_down"},
    {"router_solicitation_max_interval", Unit::ms_to_s},
    {"seg6_enabled"},
    {"seg6_require_hmac"},
    {"enhanced_dad"},
    {"addr_gen_mode"},
    {"disable_policy"},
    {"accept_ra_rt_info_min_plen"},
    {"ndisc_tclass"},
    {"rpl_seg_enabled"},
    {"ra_defrtr_metric"},
    {"ioam6_enabled"},
    {"ioam6_id"},
    {"ioam6_id_wide", Unit::unsigned_},
    {"ndisc_evict_nocarrier"},
    {"accept_untracked_na"},
    {"accept_ra_min_lft"},
    {"ra_honor_pio_life"},
    {"ra_honor_pio_pflag"},
    {"force_forwarding"},
}};
static_assert(DEVCONF_ACCEPT_RA_MIN_LFT == 58 && kIpv6Keys[58].name[0] == 'a');

std::vector<int32_t> int_array(const nlattr* a) {
  std::vector<int32_t> out;
  if (!a) return out;
  auto bytes = nl::attr_payload(a);
  out.resize(bytes.size() / sizeof(int32_t));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(int32_t));
  return out;
}

Result<DeviceSysctls> read_device_sysctls(NlSocket& s, int index) {
  nl::Message m(RTM_GETLINK, 0);
  m.put(make_ifinfo(index, {}));
  m.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  DeviceSysctls out;
  MR_TRY_CTX(s.call(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) out = parse_device_sysctls(h);
  }),
             "read the sysctls of link index " + std::to_string(index) + " in " + s.where());
  return out;
}

Result<void> set_ipv4_sysctls(NlSocket& s, int index, const std::vector<std::pair<size_t, int32_t>>& values) {
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(index, {}));
  {
    auto af_spec = m.nest(IFLA_AF_SPEC);
    auto inet = m.nest(AF_INET);
    auto conf = m.nest(IFLA_INET_CONF);
    for (auto [i, v] : values) m.attr_u32(static_cast<uint16_t>(i + 1), static_cast<uint32_t>(v));
  }
  MR_TRY_CTX(s.call(m), "set IPv4 sysctls of link index " + std::to_string(index) + " in " + s.where());
  return {};
}

std::string proc_key(const char* family, const std::string& dev, const char* name) {
  return std::string("net/") + family + "/conf/" + dev + "/" + name;
}

}  // namespace

std::string ipv4_sysctl_name(const std::string& dev, size_t i) {
  if (i < kIpv4Names.size()) return "net.ipv4.conf." + dev + "." + kIpv4Names[i];
  return "net.ipv4.conf." + dev + " devconf " + std::to_string(i + 1);
}

std::string ipv6_sysctl_name(const std::string& dev, size_t i) {
  if (i < kIpv6Keys.size()) return "net.ipv6.conf." + dev + "." + kIpv6Keys[i].name;
  return "net.ipv6.conf." + dev + " devconf " + std::to_string(i);
}

DeviceSysctls parse_device_sysctls(const nlmsghdr* h) {
  DeviceSysctls out;
  auto a = nl::parse_attrs<IFLA_MAX>(h, sizeof(ifinfomsg));
  // IFLA_AF_SPEC nests one attribute per address family, typed by the family.
  auto af = nl::parse_nested<AF_INET6>(a[IFLA_AF_SPEC]);
  out.ipv4 = int_array(nl::parse_nested<IFLA_INET_MAX>(af[AF_INET])[IFLA_INET_CONF]);
  out.ipv6 = int_array(nl::parse_nested<IFLA_INET6_CONF>(af[AF_INET6])[IFLA_INET6_CONF]);
  return out;
}

Result<std::vector<Error>> restore_device_sysctls(NlSocket& s, int index, const std::string& name,
                                                  const DeviceSysctls& want) {
  std::vector<Error> lost;
  if (want.empty()) return lost;
  auto now = MR_TRY_VALUE(read_device_sysctls(s, index));
  std::optional<Netns> ns;
  auto write = [&](const std::string& key, const std::string& value, const std::string& what) {
    Result<void> r;
    if (!ns) {
      auto opened = Netns::of_socket(s.fd(), s.where());
      if (opened) ns.emplace(std::move(*opened));
      else r = std::unexpected(std::move(opened).error());
    }
    if (r) r = write_sysctl(*ns, key, value);
    if (!r) lost.push_back(sys_error(r.error().err, what + " = " + value + " not restored"));
  };

  std::vector<std::pair<size_t, int32_t>> ipv4;
  for (size_t i = 0; i < want.ipv4.size() && i < now.ipv4.size(); ++i) {
    if (want.ipv4[i] == now.ipv4[i] || !ipv4_writable(i)) continue;
    if (i + 1 == IPV4_DEVCONF_FORWARDING)
      write(proc_key("ipv4", name, kIpv4Names[i]), std::to_string(want.ipv4[i]), ipv4_sysctl_name(name, i));
    else
      ipv4.emplace_back(i, want.ipv4[i]);
  }
  if (!ipv4.empty())
    if (auto r = set_ipv4_sysctls(s, index, ipv4); !r)
      for (auto [i, v] : ipv4)
        lost.push_back(sys_error(r.error().err, ipv4_sysctl_name(name, i) + " = " + std::to_string(v) + " not restored"));

  // disable_ipv6 first: with IPv6 off, writes to the other keys still land, and turning
  // it on or off (addrconf_disable_ipv6()) must not undo them afterwards.
  std::vector<size_t> order{DEVCONF_DISABLE_IPV6};
  for (size_t i = 0; i < want.ipv6.size(); ++i)
    if (i != DEVCONF_DISABLE_IPV6) order.push_back(i);
  for (size_t i : order) {
    if (i >= want.ipv6.size() || i >= now.ipv6.size() || want.ipv6[i] == now.ipv6[i]) continue;
    if (i >= kIpv6Keys.size()) {
      lost.push_back(sys_error(EOPNOTSUPP, ipv6_sysctl_name(name, i) + " = " + std::to_string(want.ipv6[i]) +
                                               " not restored: unknown to this version of mini-runc"));
      continue;
    }
    const Ipv6Key& k = kIpv6Keys[i];
    if (k.unit == Unit::never) continue;
    std::string value = k.unit == Unit::ms_to_s     ? std::to_string((want.ipv6[i] + 500) / 1000)
                        : k.unit == Unit::unsigned_ ? std::to_string(static_cast<uint32_t>(want.ipv6[i]))
                                                    : std::to_string(want.ipv6[i]);
    write(proc_key("ipv6", name, k.name), value, ipv6_sysctl_name(name, i));
  }
  return lost;
}

}  // namespace mr::netns
