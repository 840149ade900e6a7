#include "support/net_devices_host.hpp"

#include <linux/if_addr.h>

#include "support/hook_helpers.hpp"
#include "netns/netlink_message.hpp"

namespace mr::test {

namespace {

netns::IpPrefix prefix(const char* text) { return MUST(netns::IpPrefix::parse(text)); }

// An address that expires after an hour, as a DHCP lease or a SLAAC address does: the
// kernel does not mark it IFA_F_PERMANENT. add_address() makes only permanent ones.
void add_expiring_address(netns::NlSocket& nl, int index, const netns::IpPrefix& p) {
  netns::nl::Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(p.family());
  ifa.ifa_prefixlen = p.length;
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<uint32_t>(index);
  m.put(ifa);
  m.attr_bytes(IFA_LOCAL, p.address.span());
  m.attr_bytes(IFA_ADDRESS, p.address.span());
  if (p.family() == AF_INET6) m.attr_u32(IFA_FLAGS, IFA_F_NODAD);
  ifa_cacheinfo lifetime{.ifa_prefered = 3600, .ifa_valid = 3600, .cstamp = 0, .tstamp = 0};
  m.attr_bytes(IFA_CACHEINFO, {reinterpret_cast<const uint8_t*>(&lifetime), sizeof lifetime});
  MUST(nl.call(m));
}

}  // namespace

std::string lend_net_device(Sandbox& sb) {
  std::string without = host_state(sb.host());
  int nic = sb.veth("nic0", "wire0").index;
  auto& nl = sb.host().nl;
  MUST(netns::add_address(nl, nic, prefix("192.0.2.10/24")));
  MUST(netns::add_address(nl, nic, prefix("2001:db8::10/64"), {.no_dad = true}));
  MUST(netns::add_address(nl, nic, prefix("10.1.0.2/24"), {.scope = RT_SCOPE_LINK}));
  MUST(netns::add_address(nl, nic, prefix("10.2.0.2/24"), {.scope = RT_SCOPE_HOST}));
  MUST(netns::add_address(nl, nic, prefix("fe80::10/64"), {.no_dad = true}));
  add_expiring_address(nl, nic, prefix("198.51.100.2/24"));
  add_expiring_address(nl, nic, prefix("2001:db8:1::10/64"));
  // The test is only as good as its host: every kind is there, and the expiring ones
  // are what the kernel calls not permanent.
  auto held = MUST(netns::list_addresses(nl, nic));
  auto texts = prefix_texts(held);
  for (const char* a : {"192.0.2.10/24", "2001:db8::10/64", "10.1.0.2/24", "10.2.0.2/24", "fe80::10/64",
                        "198.51.100.2/24", "2001:db8:1::10/64"})
    REQUIRE_MESSAGE(contains(texts, a), a);
  for (const auto& a : held)
    if (a.prefix.to_string() == "198.51.100.2/24" || a.prefix.to_string() == "2001:db8:1::10/64")
      REQUIRE_FALSE(a.permanent());
  return without;
}

void check_net_device_inside(Sandbox& sb, pid_t pid, const std::string&) {
  auto ctr = container_space(pid);
  CHECK(link_names(ctr) == std::vector<std::string>{"lo", "net0"});
  auto net0 = ctr.link("net0");
  CHECK(net0.up());
  std::vector<std::string> kept, link_local;
  for (auto& a : ctr.addresses(net0.index)) (a.starts_with("fe80:") ? link_local : kept).push_back(a);
  std::sort(kept.begin(), kept.end());
  CHECK(kept == std::vector<std::string>{"192.0.2.10/24", "2001:db8::10/64"});
  // At most the one the kernel derives from the MAC when the device comes up, not nic0's.
  CHECK(link_local.size() <= 1);
  CHECK_FALSE(contains(link_local, "fe80::10/64"));
  CHECK_FALSE(sb.host().has_link("nic0"));
  CHECK(sb.host().has_link("wire0"));
}

}  // namespace mr::test
