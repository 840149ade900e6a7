#include "netns/neighbour.hpp"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <charconv>
#include <cstdio>

namespace mr::netns {

namespace {

// The entries arp_constructor() and ndisc_constructor() make NUD_NOARP by themselves:
// multicast destinations and the limited broadcast.
bool kernel_noarp(const IpAddress& a) {
  if (a.family == AF_INET6) return a.bytes[0] == 0xff;
  return (a.bytes[0] & 0xf0) == 0xe0 || (a.bytes[0] == 0xff && a.bytes[1] == 0xff && a.bytes[2] == 0xff &&
                                         a.bytes[3] == 0xff);
}

// What the kernel keeps of an entry's flags when one is added (neigh_add()): the rest
// (NTF_USE, NTF_SELF, NTF_MASTER, ...) are requests or bridge FDB flags.
constexpr uint8_t kKeptFlags = NTF_PROXY | NTF_ROUTER | NTF_EXT_LEARNED;

Result<void> dump_neighbours(NlSocket& s, int index, bool proxy, std::vector<Neighbour>& out) {
  nl::Message m(RTM_GETNEIGH, 0);
  ndmsg ndm{};
  ndm.ndm_family = AF_UNSPEC;  // both tables, arp_tbl and nd_tbl
  if (proxy) ndm.ndm_flags = NTF_PROXY;
  m.put(ndm);
  m.attr_u32(NDA_IFINDEX, static_cast<uint32_t>(index));
  MR_TRY_CTX(s.dump(m, [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWNEIGH) return;
    auto* msg = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h));
    if (msg->ndm_ifindex != index || (msg->ndm_family != AF_INET && msg->ndm_family != AF_INET6)) return;
    auto a = nl::parse_attrs<NDA_MAX>(h, sizeof(ndmsg));
    if (!a[NDA_DST]) return;
    Neighbour n;
    n.destination = IpAddress::from_bytes(msg->ndm_family, nl::attr_payload(a[NDA_DST]));
    if (a[NDA_LLADDR]) {
      auto bytes = nl::attr_payload(a[NDA_LLADDR]);
      n.lladdr.assign(bytes.begin(), bytes.end());
    }
    n.flags = msg->ndm_flags & kKeptFlags;
    if (!proxy) {
      if (msg->ndm_flags & NTF_PROXY) return;
      if (msg->ndm_state & NUD_PERMANENT) n.state = NUD_PERMANENT;
      else if ((msg->ndm_state & NUD_NOARP) && !kernel_noarp(n.destination)) n.state = NUD_NOARP;
      else return;
    } else {
      n.flags |= NTF_PROXY;
    }
    out.push_back(std::move(n));
  }),
             std::string("list ") + (proxy ? "proxy " : "") + "neighbours of link index " + std::to_string(index) +
                 " in " + s.where());
  return {};
}

}  // namespace

bool Neighbour::proxy() const { return flags & NTF_PROXY; }

Result<std::vector<Neighbour>> list_configured_neighbours(NlSocket& s, int index) {
  std::vector<Neighbour> out;
  MR_TRY(dump_neighbours(s, index, false, out));
  MR_TRY(dump_neighbours(s, index, true, out));
  return out;
}

Result<void> add_neighbour(NlSocket& s, int index, const Neighbour& n) {
  nl::Message m(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL);
  ndmsg ndm{};
  ndm.ndm_family = static_cast<uint8_t>(n.destination.family);
  ndm.ndm_ifindex = index;
  ndm.ndm_state = n.state;
  ndm.ndm_flags = n.flags;
  m.put(ndm);
  m.attr_bytes(NDA_DST, n.destination.span());
  if (!n.lladdr.empty()) m.attr_bytes(NDA_LLADDR, n.lladdr);
  MR_TRY_CTX(s.call(m), "add " + to_string(n) + " to link index " + std::to_string(index) + " in " + s.where());
  return {};
}

std::string to_string(const Neighbour& n) {
  std::string out = (n.proxy() ? "proxy neighbour " : "neighbour ") + n.destination.to_string();
  if (!n.lladdr.empty()) out += " lladdr " + lladdr_text(n.lladdr);
  if (n.state & NUD_PERMANENT) out += " permanent";
  if (n.state & NUD_NOARP) out += " noarp";
  if (n.flags & NTF_ROUTER) out += " router";
  return out;
}

std::string lladdr_text(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", b);
    if (!out.empty()) out += ':';
    out += buf;
  }
  return out;
}

Result<std::vector<uint8_t>> parse_lladdr(std::string_view text) {
  std::vector<uint8_t> out;
  if (text.empty()) return out;
  for (;;) {
    auto part = text.substr(0, 2);
    uint8_t b = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), b, 16);
    // Two lower-case hex digits each, as lladdr_text() writes them: one spelling only.
    if (part.size() != 2 || ec != std::errc{} || end != part.data() + 2 || lladdr_text({b}) != part)
      return fail(EINVAL, "bad link-layer address \"" + std::string(text) + "\"");
    out.push_back(b);
    text.remove_prefix(2);
    if (text.empty()) break;
    if (text[0] != ':' || text.size() < 3) return fail(EINVAL, "bad link-layer address");
    text.remove_prefix(1);
    if (out.size() >= 32) return fail(EINVAL, "link-layer address too long");
  }
  return out;
}

}  // namespace mr::netns
