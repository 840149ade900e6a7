#include "firewall/ruleset.hpp"

// glibc's before the kernel's headers, which then leave out what glibc defines.
#include <net/if.h>
#include <netinet/in.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <memory>

namespace mr::firewall::ruleset {

namespace {

// nft's datatype numbers (nftables include/datatype.h), which it keeps in the set's key
// and data types to print elements back; a concatenation is its parts' numbers, 6 bits
// each.
enum : uint32_t { kIpAddr = 7, kIp6Addr = 8, kInetProto = 12, kInetService = 13, kIfname = 41 };
constexpr uint32_t concat(std::initializer_list<uint32_t> parts) {
  uint32_t t = 0;
  for (uint32_t p : parts) t = t << 6 | p;
  return t;
}
// nft's byte orders (enum byteorder), in the set's userdata: a concatenation has none.
enum : uint32_t { kNoOrder = 0, kHostOrder = 1, kBigEndian = 2 };
// nft's NFT_USERDATA_MAXLEN: a comment (128 bytes at most, codec.cpp) fits.
constexpr uint32_t kUserdataMax = 256;

struct SetDef {
  const char* name;
  uint32_t flags;  // NFT_SET_INTERVAL, NFT_SET_MAP
  uint32_t key_type, key_len, key_order;
  uint32_t data_type = 0, data_len = 0, data_order = 0;
};

const SetDef kSets[] = {
    {"bridges", 0, kIfname, IFNAMSIZ, kHostOrder},
    {"internal_bridges", 0, kIfname, IFNAMSIZ, kHostOrder},
    {"same_bridge", 0, concat({kIfname, kIfname}), 2 * IFNAMSIZ, kNoOrder},
    {"subnets4", NFT_SET_INTERVAL, kIpAddr, 4, kBigEndian},
    {"subnets6", NFT_SET_INTERVAL, kIp6Addr, 16, kBigEndian},
    {"nat_subnets4", NFT_SET_INTERVAL, kIpAddr, 4, kBigEndian},
    {"nat_subnets6", NFT_SET_INTERVAL, kIp6Addr, 16, kBigEndian},
    {"dnat4_addr", NFT_SET_MAP, concat({kInetProto, kInetService}), 8, kNoOrder, kIpAddr, 4, kBigEndian},
    {"dnat4_port", NFT_SET_MAP, concat({kInetProto, kInetService}), 8, kNoOrder, kInetService, 2, kBigEndian},
    {"dnat4_ip_addr", NFT_SET_MAP, concat({kIpAddr, kInetProto, kInetService}), 12, kNoOrder, kIpAddr, 4, kBigEndian},
    {"dnat4_ip_port", NFT_SET_MAP, concat({kIpAddr, kInetProto, kInetService}), 12, kNoOrder, kInetService, 2,
     kBigEndian},
    {"dnat6_addr", NFT_SET_MAP, concat({kInetProto, kInetService}), 8, kNoOrder, kIp6Addr, 16, kBigEndian},
    {"dnat6_port", NFT_SET_MAP, concat({kInetProto, kInetService}), 8, kNoOrder, kInetService, 2, kBigEndian},
    {"dnat6_ip_addr", NFT_SET_MAP, concat({kIp6Addr, kInetProto, kInetService}), 24, kNoOrder, kIp6Addr, 16,
     kBigEndian},
    {"dnat6_ip_port", NFT_SET_MAP, concat({kIp6Addr, kInetProto, kInetService}), 24, kNoOrder, kInetService, 2,
     kBigEndian},
};

struct RuleFree {
  void operator()(nftnl_rule* r) const { nftnl_rule_free(r); }
};
using RulePtr = std::unique_ptr<nftnl_rule, RuleFree>;

// Registers as nft 1.0.6 allocates them (`nft --debug=netlink` shows the same): 16-byte
// NFT_REG_1.. for whole values, NFT_REG32_xx for the 4-byte parts of a concatenation.
enum : uint32_t { kReg1 = NFT_REG_1, kReg2 = NFT_REG_2, kReg3 = NFT_REG_3 };

// The expressions of a rule, appended in order.
class Rule {
 public:
  explicit Rule(const char* chain) : r_(nftnl_rule_alloc()) {
    nftnl_rule_set_u32(r_.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(r_.get(), NFTNL_RULE_TABLE, kTable);
    nftnl_rule_set_str(r_.get(), NFTNL_RULE_CHAIN, chain);
  }
  Rule& meta(uint32_t key, uint32_t dreg) {
    auto* e = expr("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
    return *this;
  }
  Rule& payload(uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
    auto* e = expr("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
    return *this;
  }
  Rule& cmp(uint32_t sreg, uint32_t op, const void* data, uint32_t len) {
    auto* e = expr("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
    return *this;
  }
  // meta nfproto == `family`, the dependency nft puts before an ip or ip6 match.
  Rule& nfproto(uint8_t family) {
    meta(NFT_META_NFPROTO, kReg1);
    return cmp(kReg1, NFT_CMP_EQ, &family, 1);
  }
  Rule& lookup(uint32_t sreg, const char* set, std::optional<uint32_t> dreg = {}, bool invert = false) {
    auto* e = expr("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
    if (dreg) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, *dreg);
    if (invert) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    return *this;
  }
  // ct `key` & `mask` != 0 (ct state/status in a set of bits).
  Rule& ct_any(uint32_t key, uint32_t mask) {
    auto* c = expr("ct");
    nftnl_expr_set_u32(c, NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(c, NFTNL_EXPR_CT_DREG, kReg1);
    auto* b = expr("bitwise");
    uint32_t zero = 0;
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, kReg1);
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, kReg1);
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
    nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
    nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
    return cmp(kReg1, NFT_CMP_NEQ, &zero, sizeof zero);
  }
  Rule& fib_daddr_local() {
    auto* e = expr("fib");
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, kReg1);
    uint32_t local = RTN_LOCAL;
    return cmp(kReg1, NFT_CMP_EQ, &local, sizeof local);
  }
  Rule& dnat(uint32_t family, uint32_t addr_reg, uint32_t port_reg) {
    auto* e = expr("nat");
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, addr_reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, addr_reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, port_reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, port_reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
    return *this;
  }
  Rule& masquerade() {
    expr("masq");
    return *this;
  }
  Rule& verdict(int v, const char* chain = nullptr) {
    auto* e = expr("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(v));
    if (chain) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
    return *this;
  }
  void append_to(nfnl::Batch& batch) {
    batch.add(NFT_MSG_NEWRULE, NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND,
              [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, r_.get()); });
  }

 private:
  nftnl_expr* expr(const char* name) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    nftnl_rule_add_expr(r_.get(), e);  // the rule owns it
    return e;
  }
  RulePtr r_;
};

// Network and transport header offsets and lengths.
constexpr uint32_t kNet = NFT_PAYLOAD_NETWORK_HEADER, kTransport = NFT_PAYLOAD_TRANSPORT_HEADER;
constexpr uint32_t kIp4Saddr = 12, kIp4Daddr = 16, kIp6Saddr = 8, kIp6Daddr = 24, kDport = 2;

// A `ports` rule: DNAT to the container address and port that two maps give for the
// packet's (host address .) protocol . port. nft loads the key again for the second
// lookup, the first's result being in its first register.
void port_rule(nfnl::Batch& batch, int family, bool by_ip) {
  Rule r("ports");
  bool v4 = family == AF_INET;
  uint32_t addr_len = v4 ? 4 : 16;
  uint32_t daddr = v4 ? kIp4Daddr : kIp6Daddr;
  std::string maps = std::string("dnat") + (v4 ? "4" : "6") + (by_ip ? "_ip" : "");
  // The concatenation's parts in 4-byte registers after the address: NFT_REG32_xx,
  // numbered from NFT_REG32_00 (= the first quarter of NFT_REG_1).
  auto after = [&](uint32_t reg16, uint32_t bytes) { return NFT_REG32_00 + (reg16 - 1) * 4 + bytes / 4; };
  if (by_ip) r.nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  for (uint32_t reg : {kReg1, kReg2}) {
    uint32_t at = 0;
    if (by_ip) {
      r.payload(kNet, daddr, addr_len, reg);
      at = addr_len;
    }
    // The l4proto register: the first after the address, which nft names as the
    // 16-byte register when it starts one (ipv6: NFT_REG_2).
    uint32_t proto = after(reg, at);
    if ((proto - NFT_REG32_00) % 4 == 0) proto = (proto - NFT_REG32_00) / 4 + 1;
    r.meta(NFT_META_L4PROTO, proto);
    r.payload(kTransport, kDport, 2, after(reg, at + 4));
    r.lookup(reg, (maps + (reg == kReg1 ? "_addr" : "_port")).c_str(), reg);
  }
  r.dnat(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6, kReg1, kReg2).append_to(batch);
}

Rule& bridge_match(Rule& r, uint32_t meta_key, const char* set, bool invert = false) {
  return r.meta(meta_key, kReg1).lookup(kReg1, set, std::nullopt, invert);
}

void fixed_rules(nfnl::Batch& b) {
  for (int family : {AF_INET, AF_INET6})
    for (bool by_ip : {true, false}) port_rule(b, family, by_ip);
  Rule("prerouting").fib_daddr_local().verdict(NFT_JUMP, "ports").append_to(b);
  Rule("output").fib_daddr_local().verdict(NFT_JUMP, "ports").append_to(b);

  // ip saddr 127.0.0.0/8: nft compares the first byte.
  uint8_t loopback = 127;
  Rule lo("postrouting");
  lo.nfproto(NFPROTO_IPV4).payload(kNet, kIp4Saddr, 1, kReg1).cmp(kReg1, NFT_CMP_EQ, &loopback, 1);
  bridge_match(lo, NFT_META_OIFNAME, "bridges").masquerade().append_to(b);
  for (bool v4 : {true, false}) {
    Rule hairpin("postrouting");
    hairpin.ct_any(NFT_CT_STATUS, IPS_DST_NAT).nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
    hairpin.payload(kNet, v4 ? kIp4Saddr : kIp6Saddr, v4 ? 4 : 16, kReg1).lookup(kReg1, v4 ? "subnets4" : "subnets6");
    bridge_match(hairpin, NFT_META_OIFNAME, "bridges").masquerade().append_to(b);
  }
  for (bool v4 : {true, false}) {
    Rule out("postrouting");
    out.nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
    out.payload(kNet, v4 ? kIp4Saddr : kIp6Saddr, v4 ? 4 : 16, kReg1).lookup(kReg1, v4 ? "nat_subnets4" : "nat_subnets6");
    bridge_match(out, NFT_META_OIFNAME, "bridges", true).masquerade().append_to(b);
  }

  {
    Rule r("forward");
    bridge_match(r, NFT_META_IIFNAME, "internal_bridges").verdict(NF_DROP).append_to(b);
  }
  {
    Rule r("forward");
    bridge_match(r, NFT_META_OIFNAME, "internal_bridges").verdict(NF_DROP).append_to(b);
  }
  Rule("forward").ct_any(NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))
      .verdict(NF_ACCEPT).append_to(b);
  {
    Rule r("forward");
    r.ct_any(NFT_CT_STATUS, IPS_DST_NAT);
    bridge_match(r, NFT_META_OIFNAME, "bridges").verdict(NF_ACCEPT).append_to(b);
  }
  Rule("forward").meta(NFT_META_IIFNAME, kReg1).meta(NFT_META_OIFNAME, kReg2).lookup(kReg1, "same_bridge")
      .verdict(NF_ACCEPT).append_to(b);
  {
    Rule r("forward");
    bridge_match(r, NFT_META_IIFNAME, "bridges");
    bridge_match(r, NFT_META_OIFNAME, "bridges").verdict(NF_DROP).append_to(b);
  }
  {
    Rule r("forward");
    bridge_match(r, NFT_META_IIFNAME, "bridges").verdict(NF_ACCEPT).append_to(b);
  }
  {
    Rule r("forward");
    bridge_match(r, NFT_META_OIFNAME, "bridges").verdict(NF_DROP).append_to(b);
  }
}

template <class T, class Free>
std::unique_ptr<T, Free> owned(T* p, Free) {
  return std::unique_ptr<T, Free>(p);
}

// nf_tables wants an id for each new set (NFTA_SET_ID), by which later messages of the
// same batch may name it; ours name it by its name.
void add_set(nfnl::Batch& b, const SetDef& d, uint32_t id) {
  auto s = owned(nftnl_set_alloc(), [](nftnl_set* p) { nftnl_set_free(p); });
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, d.name);
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, d.flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, d.key_type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, d.key_len);
  if (d.flags & NFT_SET_MAP) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, d.data_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, d.data_len);
  }
  // What nft keeps to print the elements back: the key's (and value's) byte order.
  auto ud = owned(nftnl_udata_buf_alloc(kUserdataMax), [](nftnl_udata_buf* p) { nftnl_udata_buf_free(p); });
  nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, d.key_order);
  if (d.flags & NFT_SET_MAP) {
    nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_DATABYTEORDER, d.data_order);
    nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_DATA_INTERVAL, 0);
  }
  nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
  b.add(NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE, [&](nlmsghdr* nlh) { nftnl_set_nlmsg_build_payload(nlh, s.get()); });
}

struct Hook {
  const char* name;
  const char* type;
  uint32_t hooknum;
  int32_t prio;
};
const Hook kChains[] = {
    {"prerouting", "nat", NF_INET_PRE_ROUTING, -100},
    {"output", "nat", NF_INET_LOCAL_OUT, -100},
    {"postrouting", "nat", NF_INET_POST_ROUTING, 100},
    {"forward", "filter", NF_INET_FORWARD, 0},
};

auto new_chain(const char* name) {
  auto c = owned(nftnl_chain_alloc(), [](nftnl_chain* p) { nftnl_chain_free(p); });
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
  return c;
}

void add_chain(nfnl::Batch& b, const char* name, const Hook* hook) {
  auto c = new_chain(name);
  if (hook) {
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, hook->type);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook->hooknum);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, hook->prio);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  b.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE, [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, c.get()); });
}

// NFT_MSG_DELRULE naming a chain and no rule: the chain's rules go.
void flush_chain(nfnl::Batch& b, const char* name) {
  auto r = owned(nftnl_rule_alloc(), [](nftnl_rule* p) { nftnl_rule_free(p); });
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, name);
  b.add(NFT_MSG_DELRULE, NFPROTO_INET, 0, [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, r.get()); });
}

const char* suffix(int family) { return family == AF_INET ? "4" : "6"; }

std::string ifname_key(const std::string& name) {
  std::string k(IFNAMSIZ, '\0');
  std::memcpy(k.data(), name.data(), std::min(name.size(), size_t(IFNAMSIZ - 1)));
  return k;
}

std::string bytes_of(const netns::IpAddress& a) { return std::string(reinterpret_cast<const char*>(a.bytes.data()), a.size()); }

// The first address past `net` (its end in an interval set), or none at the top of the
// address space (nft leaves such an interval open).
std::optional<std::string> end_of(const netns::IpPrefix& net) {
  unsigned bits = net.max_length() - net.length;  // 1 << bits is added
  if (bits >= net.max_length()) return std::nullopt;
  std::string end = bytes_of(net.address);
  unsigned carry = 1u << (bits % 8);
  for (int i = static_cast<int>(end.size()) - 1 - static_cast<int>(bits / 8); i >= 0 && carry; --i) {
    unsigned v = static_cast<uint8_t>(end[i]) + carry;
    end[i] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
  if (carry) return std::nullopt;
  return end;
}

Element plain(std::string set, std::string key, std::string text) {
  return Element{.set = std::move(set), .key = std::move(key), .text = std::move(text)};
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

// inet_proto . inet_service, each in a 4-byte register: the protocol's byte first, the
// port in network order.
std::string port_key(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  std::string k = host_ip ? bytes_of(*host_ip) : std::string();
  uint8_t proto = p == Protocol::tcp ? IPPROTO_TCP : p == Protocol::udp ? IPPROTO_UDP : IPPROTO_SCTP;
  char part[8] = {};
  part[0] = static_cast<char>(proto);
  part[4] = static_cast<char>(port >> 8);
  part[5] = static_cast<char>(port & 0xff);
  return k + std::string(part, sizeof part);
}

std::string port_text(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  std::string key = std::string(protocol_name(p)) + " . " + std::to_string(port);
  return host_ip ? host_ip->to_string() + " . " + key : key;
}

// The map of a port's container address (_addr) or container port (_port).
std::string port_map(int family, bool by_ip, const char* what = "_addr") {
  return std::string("dnat") + suffix(family) + (by_ip ? "_ip" : "") + what;
}

auto set_of(const std::string& name) {
  auto s = owned(nftnl_set_alloc(), [](nftnl_set* p) { nftnl_set_free(p); });
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  return s;
}

nftnl_set_elem* elem_of(const std::string& key, uint32_t flags) {
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), key.size());
  if (flags) nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
  return e;
}

// A message's element list stays well under the 64 KiB of a netlink attribute.
constexpr size_t kElementsPerMessage = 256;

}  // namespace

void skeleton(nfnl::Batch& b) {
  auto t = owned(nftnl_table_alloc(), [](nftnl_table* p) { nftnl_table_free(p); });
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable);
  b.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, t.get()); });
  uint32_t id = 0;
  for (const auto& s : kSets) add_set(b, s, ++id);
  add_chain(b, "ports", nullptr);
  for (const auto& h : kChains) add_chain(b, h.name, &h);
  flush_chain(b, "ports");
  for (const auto& h : kChains) flush_chain(b, h.name);
  fixed_rules(b);
}

std::vector<Element> network_elements(const NetworkRules& n) {
  std::vector<Element> out;
  out.push_back(plain("bridges", ifname_key(n.bridge), quoted(n.bridge)));
  out.push_back(plain("same_bridge", ifname_key(n.bridge) + ifname_key(n.bridge),
                      quoted(n.bridge) + " . " + quoted(n.bridge)));
  if (n.internal) out.push_back(plain("internal_bridges", ifname_key(n.bridge), quoted(n.bridge)));
  for (const auto& s : n.subnets) {
    auto net = s.network();
    Element e = plain(std::string("subnets") + suffix(net.family()), bytes_of(net.address), net.to_string());
    e.interval = true;
    e.key_end = end_of(net);
    out.push_back(e);
    if (!n.internal) {
      e.set = std::string("nat_subnets") + suffix(net.family());
      out.push_back(e);
    }
  }
  return out;
}

std::vector<PortElement> port_elements(const ContainerRules& rules) {
  std::vector<PortElement> out;
  for (size_t i = 0; i < rules.ports.size(); ++i) {
    const auto& m = rules.ports[i];
    for (uint32_t k = 0; k < m.range; ++k) {
      auto host_port = static_cast<uint16_t>(m.host_port + k);
      auto container_port = static_cast<uint16_t>(m.container_port + k);
      int family = m.container_ip.family;
      bool by_ip = m.host_ip.has_value();
      Element e{.key = port_key(m.protocol, host_port, m.host_ip),
                .comment = rules.container,
                .text = port_text(m.protocol, host_port, m.host_ip)};
      e.set = port_map(family, by_ip, "_addr");
      e.data = bytes_of(m.container_ip);
      out.push_back({e, i, host_port});
      e.set = port_map(family, by_ip, "_port");
      e.data = std::string{static_cast<char>(container_port >> 8), static_cast<char>(container_port & 0xff)};
      out.push_back({e, i, host_port});
    }
  }
  return out;
}

std::vector<Element> port_keys(Protocol p, uint16_t port, const std::optional<netns::IpAddress>& host_ip) {
  std::vector<Element> out;
  if (host_ip) out.push_back(plain(port_map(host_ip->family, true), port_key(p, port, host_ip), port_text(p, port, host_ip)));
  for (int family : {AF_INET, AF_INET6})
    if (!host_ip || host_ip->family == family)
      out.push_back(plain(port_map(family, false), port_key(p, port, {}), port_text(p, port, {})));
  return out;
}

void elements(nfnl::Batch& b, Verb verb, const std::vector<Element>& list) {
  uint16_t type = verb == Verb::remove ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
  uint16_t flags = verb == Verb::remove ? 0 : verb == Verb::create ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE;
  for (size_t i = 0; i < list.size();) {
    auto s = set_of(list[i].set);
    size_t n = 0;
    for (; i < list.size() && list[i].set == nftnl_set_get_str(s.get(), NFTNL_SET_NAME) && n < kElementsPerMessage;
         ++i, ++n) {
      const Element& e = list[i];
      nftnl_set_elem* elem = elem_of(e.key, 0);
      if (verb != Verb::remove) {
        if (!e.data.empty()) nftnl_set_elem_set(elem, NFTNL_SET_ELEM_DATA, e.data.data(), e.data.size());
        if (!e.comment.empty()) {
          auto ud = owned(nftnl_udata_buf_alloc(kUserdataMax), [](nftnl_udata_buf* p) { nftnl_udata_buf_free(p); });
          nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_SET_ELEM_COMMENT, e.comment.c_str());
          nftnl_set_elem_set(elem, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
        }
      }
      nftnl_set_elem_add(s.get(), elem);
      if (e.interval && e.key_end) nftnl_set_elem_add(s.get(), elem_of(*e.key_end, NFT_SET_ELEM_INTERVAL_END));
    }
    b.add(type, NFPROTO_INET, flags, [&](nlmsghdr* nlh) { nftnl_set_elems_nlmsg_build_payload(nlh, s.get()); });
  }
}

nlmsghdr* get_request(char* buf, uint32_t seq, const Element& e) {
  auto s = set_of(e.set);
  nftnl_set_elem_add(s.get(), elem_of(e.key, 0));
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, 0, seq);
  nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  return nlh;
}

std::vector<ListedElement> listed_of(const nlmsghdr* reply) {
  std::vector<ListedElement> out;
  auto s = owned(nftnl_set_alloc(), [](nftnl_set* p) { nftnl_set_free(p); });
  if (nftnl_set_elems_nlmsg_parse(reply, s.get()) < 0) return out;
  nftnl_set_elem_foreach(
      s.get(),
      [](nftnl_set_elem* e, void* list) -> int {
        ListedElement l;
        uint32_t len = 0;
        if (const void* key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len)) l.key.assign(static_cast<const char*>(key), len);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
          l.interval_end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
        if (const void* ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len))
          nftnl_udata_parse(
              ud, len,
              [](const nftnl_udata* a, void* comment) -> int {
                if (nftnl_udata_type(a) == NFTNL_UDATA_SET_ELEM_COMMENT && nftnl_udata_len(a) > 0)
                  *static_cast<std::string*>(comment) =
                      std::string(static_cast<const char*>(nftnl_udata_get(a)), nftnl_udata_len(a) - 1);
                return 0;
              },
              &l.comment);
        static_cast<std::vector<ListedElement>*>(list)->push_back(std::move(l));
        return 0;
      },
      &out);
  return out;
}

std::string comment_of(const nlmsghdr* reply) {
  auto listed = listed_of(reply);
  return listed.empty() ? std::string() : listed.front().comment;
}

nlmsghdr* dump_request(char* buf, uint32_t seq, const std::string& set) {
  auto s = set_of(set);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, seq);
  nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  return nlh;
}

std::string host_address_port_map(int family) { return port_map(family, true); }

std::string port_part(Protocol protocol, uint16_t port) { return port_key(protocol, port, {}); }

const std::vector<std::string>& set_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& s : kSets) v.push_back(s.name);
    return v;
  }();
  return names;
}

void delete_table(nfnl::Batch& b) {
  auto t = owned(nftnl_table_alloc(), [](nftnl_table* p) { nftnl_table_free(p); });
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable);
  b.add(NFT_MSG_DELTABLE, NFPROTO_INET, 0, [&](nlmsghdr* nlh) { nftnl_table_nlmsg_build_payload(nlh, t.get()); });
}

}  // namespace mr::firewall::ruleset
