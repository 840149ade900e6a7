#include "netns/address.hpp"

#include <fcntl.h>
#include <linux/if_addr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

namespace {

ifaddrmsg make_ifaddr(int index, const IpPrefix& prefix, uint8_t scope) {
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(prefix.family());
  ifa.ifa_prefixlen = prefix.length;
  ifa.ifa_scope = scope;
  ifa.ifa_index = static_cast<uint32_t>(index);
  return ifa;
}

std::string describe(const IpPrefix& prefix, int index, const NlSocket& s) {
  return prefix.to_string() + " on link index " + std::to_string(index) + " in " + s.where();
}

}  // namespace

AddressOptions AddressInfo::options() const {
  return {.scope = scope,
          .no_dad = (flags & IFA_F_NODAD) != 0,
          .broadcast = broadcast,
          .peer = peer,
          .flags = flags & kSettableAddressFlags,
          .rt_priority = rt_priority,
          .proto = proto,
          .valid_lft = permanent() ? kForever : valid_lft,
          .preferred_lft = permanent() ? kForever : preferred_lft};
}

Result<LifetimeClock> LifetimeClock::now() {
  LifetimeClock c;
  timespec ts{};
  if (::clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return fail(errno, "read CLOCK_MONOTONIC");
  c.seconds = static_cast<uint64_t>(ts.tv_sec);
  UniqueFd fd(::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC));
  if (!fd) return fail(errno, "open /proc/sys/kernel/random/boot_id");
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return fail(n < 0 ? errno : EIO, "read /proc/sys/kernel/random/boot_id");
  c.boot_id.assign(buf, static_cast<size_t>(n));
  while (!c.boot_id.empty() && c.boot_id.back() == '\n') c.boot_id.pop_back();
  return c;
}

std::optional<uint64_t> LifetimeClock::since(const LifetimeClock& then) const {
  if (then.boot_id != boot_id || then.seconds > seconds) return std::nullopt;
  return seconds - then.seconds;
}

AddressInfo parse_address(const nlmsghdr* h) {
  auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(h));
  auto a = nl::parse_attrs<IFA_MAX>(h, sizeof(ifaddrmsg));
  AddressInfo info;
  info.index = static_cast<int>(ifa->ifa_index);
  info.scope = ifa->ifa_scope;
  info.flags = a[IFA_FLAGS] ? mnl_attr_get_u32(a[IFA_FLAGS]) : ifa->ifa_flags;
  // IFA_LOCAL is the interface's own address; IPv6 (and plain IPv4) may send IFA_ADDRESS only.
  const nlattr* local = a[IFA_LOCAL] ? a[IFA_LOCAL] : a[IFA_ADDRESS];
  if (local) info.prefix.address = IpAddress::from_bytes(ifa->ifa_family, nl::attr_payload(local));
  info.prefix.length = ifa->ifa_prefixlen;
  if (a[IFA_BROADCAST]) info.broadcast = IpAddress::from_bytes(ifa->ifa_family, nl::attr_payload(a[IFA_BROADCAST]));
  // With both, IFA_ADDRESS is the peer's (inet_fill_ifaddr(), inet6_fill_ifaddr()).
  if (a[IFA_LOCAL] && a[IFA_ADDRESS]) {
    auto other = IpAddress::from_bytes(ifa->ifa_family, nl::attr_payload(a[IFA_ADDRESS]));
    if (other != info.prefix.address) info.peer = other;
  }
  if (a[IFA_LABEL] && mnl_attr_validate(a[IFA_LABEL], MNL_TYPE_NUL_STRING) >= 0) info.label = mnl_attr_get_str(a[IFA_LABEL]);
  if (a[IFA_RT_PRIORITY]) info.rt_priority = mnl_attr_get_u32(a[IFA_RT_PRIORITY]);
  if (a[IFA_PROTO]) info.proto = mnl_attr_get_u8(a[IFA_PROTO]);
  if (a[IFA_CACHEINFO] && mnl_attr_get_payload_len(a[IFA_CACHEINFO]) >= sizeof(ifa_cacheinfo)) {
    ifa_cacheinfo ci{};
    std::memcpy(&ci, mnl_attr_get_payload(a[IFA_CACHEINFO]), sizeof ci);
    info.valid_lft = ci.ifa_valid;
    info.preferred_lft = ci.ifa_prefered;
  }
  return info;
}

Result<void> add_address(NlSocket& s, int index, const IpPrefix& prefix, const AddressOptions& opts) {
  nl::Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  m.put(make_ifaddr(index, prefix, opts.scope));
  m.attr_bytes(IFA_LOCAL, prefix.address.span());
  m.attr_bytes(IFA_ADDRESS, opts.peer && opts.peer->family == prefix.family() ? opts.peer->span() : prefix.address.span());
  if (opts.broadcast && prefix.family() == AF_INET) m.attr_bytes(IFA_BROADCAST, opts.broadcast->span());
  if (!opts.label.empty() && prefix.family() == AF_INET) m.attr_str(IFA_LABEL, opts.label);
  uint32_t flags = opts.flags & kSettableAddressFlags;
  if (opts.no_dad && prefix.family() == AF_INET6) flags |= IFA_F_NODAD;
  if (flags) m.attr_u32(IFA_FLAGS, flags);
  if (opts.rt_priority) m.attr_u32(IFA_RT_PRIORITY, opts.rt_priority);
  if (opts.proto) m.attr_u8(IFA_PROTO, opts.proto);
  if (opts.valid_lft != kForever || opts.preferred_lft != kForever) {
    ifa_cacheinfo ci{.ifa_prefered = opts.preferred_lft, .ifa_valid = opts.valid_lft, .cstamp = 0, .tstamp = 0};
    m.attr_bytes(IFA_CACHEINFO, {reinterpret_cast<const uint8_t*>(&ci), sizeof ci});
  }
  MR_TRY_CTX(s.call(m), "add address " + describe(prefix, index, s));
  return {};
}

Result<void> delete_address(NlSocket& s, int index, const IpPrefix& prefix) {
  nl::Message m(RTM_DELADDR, 0);
  m.put(make_ifaddr(index, prefix, 0));
  m.attr_bytes(IFA_LOCAL, prefix.address.span());
  MR_TRY_CTX(s.call(m), "delete address " + describe(prefix, index, s));
  return {};
}

Result<std::vector<AddressInfo>> list_addresses(NlSocket& s, int index, int family) {
  nl::Message m(RTM_GETADDR, 0);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(family);
  ifa.ifa_index = static_cast<uint32_t>(index);  // the kernel filters by it (strict checking)
  m.put(ifa);
  std::vector<AddressInfo> out;
  MR_TRY_CTX(s.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    auto info = parse_address(h);
    if (index == 0 || info.index == index) out.push_back(std::move(info));
  }),
             "list addresses of link index " + std::to_string(index) + " in " + s.where());
  return out;
}

Result<std::vector<AddressInfo>> capture_addresses(NlSocket& s, int index) {
  auto all = MR_TRY_VALUE(list_addresses(s, index));
  std::erase_if(all, [](const AddressInfo& a) {
    bool kernels = a.proto == IFAPROT_KERNEL_LO || a.proto == IFAPROT_KERNEL_RA || a.proto == IFAPROT_KERNEL_LL;
    return kernels || a.prefix.address.is_ipv6_link_local() || (a.flags & IFA_F_TEMPORARY);
  });
  return all;
}

bool is_permanent_global(const AddressInfo& a) { return a.scope == RT_SCOPE_UNIVERSE && a.permanent(); }

Result<std::vector<AddressInfo>> move_link_keep_addresses(NlSocket& from, int index, const Netns& to,
                                                          NlSocket& to_socket, std::string_view new_name) {
  auto before = MR_TRY_VALUE(get_link(from, index));
  auto addresses = MR_TRY_VALUE(capture_addresses(from, index));
  MR_TRY(move_link(from, index, to, new_name));
  // The kernel may give the link a new index in its new namespace: find it by name.
  auto moved = MR_TRY_VALUE(get_link(to_socket, new_name.empty() ? std::string_view(before.name) : new_name));
  for (auto& a : addresses) {
    MR_TRY(add_address(to_socket, moved.index, a.prefix, a.options()));
    a.index = moved.index;
  }
  return addresses;
}

}  // namespace mr::netns
