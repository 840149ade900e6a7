#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <string_view>
#include <vector>

#include "netns/netlink_message.hpp"
#include "netns/netlink_socket.hpp"

using namespace mr;
using namespace mr::netns;

namespace {

// Every attribute of a message (top level), checked by libmnl to lie inside nlmsg_len.
std::vector<uint16_t> top_level_types(const nlmsghdr* h, size_t header_size) {
  std::vector<uint16_t> types;
  int rc = mnl_attr_parse(
      h, static_cast<unsigned>(header_size),
      [](const nlattr* a, void* data) -> int {
        static_cast<std::vector<uint16_t>*>(data)->push_back(mnl_attr_get_type(a));
        return MNL_CB_OK;
      },
      &types);
  CHECK(rc == MNL_CB_OK);
  return types;
}

}  // namespace

TEST_CASE("a built message parses back, nested attributes closed where they end") {
  nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  CHECK(m.type() == RTM_NEWLINK);
  CHECK(m.header()->nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
  ifinfomsg ifi{};
  ifi.ifi_index = 5;
  ifi.ifi_flags = 1;
  m.put(ifi);
  m.attr_str(IFLA_IFNAME, std::string_view("eth0-and-more").substr(0, 4));  // not NUL-terminated
  {
    auto linkinfo = m.nest(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, "veth");
    auto data = m.nest(IFLA_INFO_DATA);
    m.attr_u16(1, 0xbeef);
    m.attr_flag(2);
  }
  m.attr_u8(IFLA_OPERSTATE, 6);
  m.attr_s32(IFLA_MTU, 1400);
  const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
  m.attr_bytes(IFLA_ADDRESS, mac);
  REQUIRE_FALSE(m.overflowed());

  const nlmsghdr* h = m.header();
  auto* got = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
  CHECK(got->ifi_index == 5);
  CHECK(got->ifi_flags == 1);
  CHECK(top_level_types(h, sizeof(ifinfomsg)) ==
        std::vector<uint16_t>{IFLA_IFNAME, IFLA_LINKINFO, IFLA_OPERSTATE, IFLA_MTU, IFLA_ADDRESS});

  auto a = nl::parse_attrs<IFLA_MAX>(h, sizeof(ifinfomsg));
  REQUIRE(a[IFLA_IFNAME]);
  CHECK(mnl_attr_validate(a[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0);
  CHECK(std::string(mnl_attr_get_str(a[IFLA_IFNAME])) == "eth0");
  CHECK(mnl_attr_get_payload_len(a[IFLA_IFNAME]) == 5);
  CHECK(mnl_attr_get_u8(a[IFLA_OPERSTATE]) == 6);
  CHECK(mnl_attr_get_u32(a[IFLA_MTU]) == 1400);
  auto mac_back = nl::attr_payload(a[IFLA_ADDRESS]);
  CHECK(std::vector<uint8_t>(mac_back.begin(), mac_back.end()) == std::vector<uint8_t>(mac, mac + 6));
  CHECK(a[IFLA_MAX + 1] == nullptr);

  // The nest ends exactly where the next top-level attribute starts.
  const nlattr* linkinfo = a[IFLA_LINKINFO];
  REQUIRE(linkinfo);
  CHECK(reinterpret_cast<const char*>(linkinfo) + MNL_ALIGN(linkinfo->nla_len) ==
        reinterpret_cast<const char*>(a[IFLA_OPERSTATE]));
  auto li = nl::parse_nested<IFLA_INFO_MAX>(linkinfo);
  REQUIRE(li[IFLA_INFO_KIND]);
  CHECK(std::string(mnl_attr_get_str(li[IFLA_INFO_KIND])) == "veth");
  REQUIRE(li[IFLA_INFO_DATA]);
  CHECK(reinterpret_cast<const char*>(li[IFLA_INFO_DATA]) + MNL_ALIGN(li[IFLA_INFO_DATA]->nla_len) ==
        reinterpret_cast<const char*>(linkinfo) + MNL_ALIGN(linkinfo->nla_len));
  auto data = nl::parse_nested<2>(li[IFLA_INFO_DATA]);
  REQUIRE(data[1]);
  CHECK(mnl_attr_get_u16(data[1]) == 0xbeef);
  REQUIRE(data[2]);
  CHECK(mnl_attr_get_payload_len(data[2]) == 0);
  CHECK(nl::parse_nested<2>(nullptr)[1] == nullptr);
}

TEST_CASE("an attribute that does not fit marks the message, which stays inside its buffer") {
  nl::Message m(RTM_NEWLINK, 0);
  m.put(ifinfomsg{});
  uint32_t before = m.header()->nlmsg_len;
  std::vector<uint8_t> big(5000, 0xab);
  m.attr_bytes(IFLA_ADDRESS, big);
  CHECK(m.overflowed());
  CHECK(m.header()->nlmsg_len == before);
}

TEST_CASE("filling a message never writes past 4 KiB") {
  nl::Message m(RTM_NEWLINK, 0);
  m.put(ifinfomsg{});
  {
    auto nest = m.nest(IFLA_LINKINFO);
    for (int i = 0; i < 1000; ++i) m.attr_u32(IFLA_MTU, static_cast<uint32_t>(i));
  }
  CHECK(m.overflowed());
  CHECK(m.header()->nlmsg_len <= 4096);
  // Whatever did fit is still a well-formed message.
  CHECK(top_level_types(m.header(), sizeof(ifinfomsg)) == std::vector<uint16_t>{IFLA_LINKINFO});
  // A nest or a family header that no longer fits is refused too.
  { auto nest = m.nest(IFLA_LINKINFO); }
  m.put(ifinfomsg{});
  m.attr_str(IFLA_IFNAME, "eth0");
  CHECK(m.header()->nlmsg_len <= 4096);
}

TEST_CASE("a family header that does not fit is flagged, not written") {
  nl::Message m(RTM_NEWLINK, 0);
  std::vector<uint8_t> fill(4096 - 16 - 4 - 8, 0);  // leaves 8 bytes: less than an ifinfomsg
  m.attr_bytes(IFLA_ADDRESS, fill);
  REQUIRE_FALSE(m.overflowed());
  uint32_t before = m.header()->nlmsg_len;
  m.put(ifinfomsg{});
  CHECK(m.overflowed());
  CHECK(m.header()->nlmsg_len == before);
}

TEST_CASE("an overflowed request is refused before it is sent") {
  auto s = NlSocket::open();  // an unprivileged socket; nothing reaches the kernel
  REQUIRE(s);
  nl::Message m(RTM_NEWLINK, 0);
  std::vector<uint8_t> big(5000, 0);
  m.attr_bytes(IFLA_ADDRESS, big);
  auto r = s->call(m);
  REQUIRE_FALSE(r);
  CHECK(r.error().err == EMSGSIZE);
  CHECK(r.error().message() == "netlink request too large: Message too long");
}
