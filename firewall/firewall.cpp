#include "firewall/firewall.hpp"

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <span>

#include <nlohmann/json.hpp>

#include "firewall/nft.hpp"
#include "firewall/ruleset.hpp"

namespace mr::firewall {

using nlohmann::json;

static std::string family_name(uint32_t family) {
  switch (family) {
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_IPV6: return "ip6";
    case NFPROTO_INET: return "inet";
    case NFPROTO_BRIDGE: return "bridge";
  }
  return std::to_string(family);
}

Result<Firewall> Firewall::open() { return Firewall(MR_TRY_VALUE(nfnl::Socket::open())); }

// NFT_MSG_GETSETELEM of one key fails with ENOENT for a missing element and for a
// missing set or table: all three mean "not there".
Result<std::optional<std::string>> Firewall::element_comment(const ruleset::Element& e) {
  std::string comment;
  auto r = nl_.request([&](char* buf, uint32_t seq) { return ruleset::get_request(buf, seq, e); },
                       [&](const nlmsghdr* h) { comment = ruleset::comment_of(h); });
  if (!r) {
    if (r.error().err == ENOENT) return std::nullopt;
    return std::unexpected(std::move(r).error().wrap("look up " + e.text + " in " + e.set));
  }
  return comment;
}

Result<std::optional<std::string>> Firewall::port_holder(Protocol protocol, uint16_t port,
                                                         const std::optional<netns::IpAddress>& host_ip) {
  for (const auto& key : ruleset::port_keys(protocol, port, host_ip))
    if (auto holder = MR_TRY_VALUE(element_comment(key))) return holder;
  return std::nullopt;
}

// Who holds host port `port` of mapping `m`: for a host address, that address's map and
// the every-address map of its family; else the every-address map of the container
// address's family (IPv4 and IPv6 NAT are apart).
Result<std::optional<std::string>> Firewall::holder_of(const PortMapping& m, uint16_t port) {
  std::string every = m.container_ip.family == AF_INET ? "dnat4_addr" : "dnat6_addr";
  for (const auto& key : ruleset::port_keys(m.protocol, port, m.host_ip))
    if (m.host_ip || key.set == every)
      if (auto holder = MR_TRY_VALUE(element_comment(key))) return holder;
  return std::nullopt;
}

// The first port of `rules` that another container holds, as the refusal to return.
// "port 8080/tcp", as refusals name a host port.
static std::string port_named(Protocol protocol, uint16_t port) {
  return "port " + std::to_string(port) + "/" + std::string(protocol_name(protocol));
}

Result<void> Firewall::check_ports_free(const ContainerRules& rules) {
  for (size_t i = 0; i < rules.ports.size(); ++i) {
    const auto& m = rules.ports[i];
    for (uint32_t k = 0; k < m.range; ++k) {
      auto port = static_cast<uint16_t>(m.host_port + k);
      auto holder = MR_TRY_VALUE(holder_of(m, port));
      if (holder && *holder != rules.container) {
        std::string what = port_named(m.protocol, port);
        if (m.host_ip) what += " on " + m.host_ip->to_string();
        Error e = sys_error(EADDRINUSE, what + " is published by container " + *holder);
        e.pointer = "/ports/" + std::to_string(i);
        return std::unexpected(std::move(e));
      }
    }
  }
  return {};
}

// A port published on every address is taken too while another container publishes it
// on one host address: those are listed (a dump of the host-address map of each family
// the container publishes on every address in; it holds only ports published on an
// address, few) and matched by protocol and port.
Result<void> Firewall::check_not_held_on_an_address(const ContainerRules& rules) {
  for (int family : {AF_INET, AF_INET6}) {
    std::map<std::string, std::pair<size_t, uint16_t>> ours;  // port_part -> mapping, port
    for (size_t i = 0; i < rules.ports.size(); ++i) {
      const auto& m = rules.ports[i];
      if (m.host_ip || m.container_ip.family != family) continue;
      for (uint32_t k = 0; k < m.range; ++k) {
        auto port = static_cast<uint16_t>(m.host_port + k);
        ours.emplace(ruleset::port_part(m.protocol, port), std::pair{i, port});
      }
    }
    if (ours.empty()) continue;
    const size_t part = ours.begin()->first.size();  // the key's tail after the address
    for (const auto& e : MR_TRY_VALUE(list_elements(ruleset::host_address_port_map(family)))) {
      if (e.comment == rules.container || e.key.size() < part) continue;
      auto it = ours.find(e.key.substr(e.key.size() - part));
      if (it == ours.end()) continue;
      auto [i, port] = it->second;
      auto raw = std::span(reinterpret_cast<const uint8_t*>(e.key.data()), e.key.size() - part);
      Error err = sys_error(EADDRINUSE, port_named(rules.ports[i].protocol, port) + " is published on " +
                                            netns::IpAddress::from_bytes(family, raw).to_string() + " by container " +
                                            e.comment);
      err.pointer = "/ports/" + std::to_string(i);
      return std::unexpected(std::move(err));
    }
  }
  return {};
}

// A fault point for the tests (fault-injection builds only): MR_FIREWALL_FAIL_BATCH=1 ends
// each batch with the deletion of an element that is not there, which the kernel refuses
// after taking in every earlier command of the transaction.
static void maybe_spoil(nfnl::Batch& batch) {
#ifdef MR_FAULT_INJECTION
  if (const char* v = std::getenv("MR_FIREWALL_FAIL_BATCH"); v && std::string_view(v) == "1")
    ruleset::elements(batch, ruleset::Verb::remove,
                      {ruleset::Element{.set = "bridges", .key = std::string(16, '\0').replace(0, 8, "mr-fault")}});
#else
  (void)batch;
#endif
}

// The batch of add_container(): every port element is created (NLM_F_EXCL), so that the
// kernel refuses, in the same transaction, a port someone holds; those in `own` (this
// container's already) are left out.
static void add_batch(nfnl::Batch& batch, const ContainerRules& rules, const std::vector<bool>& own) {
  ruleset::skeleton(batch);
  ruleset::elements(batch, ruleset::Verb::add, ruleset::network_elements(rules.network));
  auto ports = ruleset::port_elements(rules);
  std::vector<ruleset::Element> created;
  for (size_t i = 0; i < ports.size(); ++i)
    if (own.empty() || !own[i]) created.push_back(ports[i].element);
  ruleset::elements(batch, ruleset::Verb::create, created);
  // A port on one host address is taken if it is published on every address: the
  // every-address element is created and deleted again in the same transaction, which
  // the kernel refuses (EEXIST) when it is there.
  ContainerRules probe = rules;
  std::erase_if(probe.ports, [](const PortMapping& m) { return !m.host_ip; });
  for (auto& m : probe.ports) m.host_ip.reset();
  std::vector<ruleset::Element> probes;
  for (const auto& p : ruleset::port_elements(probe))
    if (p.element.set.ends_with("_addr")) probes.push_back(p.element);
  ruleset::elements(batch, ruleset::Verb::create, probes);
  ruleset::elements(batch, ruleset::Verb::remove, probes);
  maybe_spoil(batch);
}

// No lookup before the batch: the kernel's refusal (a hash lookup) is the check; only
// then are the holders looked up, to name the one that refuses, or to find this
// container's own ports (its rules added again, as `network reload` does) and leave them
// as they are.
Result<void> Firewall::add_container(const ContainerRules& rules) {
  MR_TRY(validate(rules));
  std::string what = "add the firewall rules of container " + rules.container;
  auto ports = ruleset::port_elements(rules);
  std::vector<bool> own;
  nfnl::Batch first;
  add_batch(first, rules, {});
  if (auto r = nl_.commit(first); !r) {
    if (r.error().err != EEXIST) return std::unexpected(std::move(r).error().wrap(what));
    MR_TRY_CTX(check_ports_free(rules), what);
    for (const auto& p : ports) {
      auto holder = MR_TRY_VALUE(element_comment(p.element));
      own.push_back(holder && *holder == rules.container);
    }
    nfnl::Batch again;
    add_batch(again, rules, own);
    MR_TRY_CTX(nl_.commit(again), what);
  }
  // Checked once the ports are in, so that of two containers publishing one port, one on
  // every address and one on an address, at the same time, one always sees the other:
  // the one on an address by the kernel's refusal, the one on every address here, which
  // then takes out the ports it just put in.
  auto held = check_not_held_on_an_address(rules);
  if (held) return {};
  std::vector<ruleset::Element> added;
  for (size_t i = 0; i < ports.size(); ++i)
    if (own.empty() || !own[i]) added.push_back(ports[i].element);
  nfnl::Batch undo;
  ruleset::elements(undo, ruleset::Verb::remove, added);
  if (auto r = nl_.commit(undo); !r)
    return std::unexpected(std::move(r).error().wrap(what + ": " + held.error().message() + "; take its ports out again"));
  return std::unexpected(std::move(held).error().wrap(what));
}

// Deletion needs no cache: each of the container's elements is looked up by its key
// (it may be gone, or another container's by now) and deleted only if it is this one's.
Result<void> Firewall::remove_container(const ContainerRules& rules, bool last_on_network) {
  MR_TRY(validate(rules));
  std::string what = "remove the firewall rules of container " + rules.container;
  std::vector<ruleset::Element> gone;
  for (const auto& p : ruleset::port_elements(rules)) {
    auto holder = MR_TRY_VALUE(element_comment(p.element));
    if (holder && *holder == rules.container) gone.push_back(p.element);
  }
  if (last_on_network)
    for (const auto& e : ruleset::network_elements(rules.network))
      if (MR_TRY_VALUE(element_comment(e))) gone.push_back(e);
  if (gone.empty()) return {};
  nfnl::Batch batch;
  ruleset::elements(batch, ruleset::Verb::remove, gone);
  maybe_spoil(batch);
  MR_TRY_CTX(nl_.commit(batch), what);
  return {};
}

// Removes what identifies one listing from the next: handles, and nft's metainfo.
static void strip_handles(json& j) {
  if (j.is_object()) {
    j.erase("handle");
    for (auto& [k, v] : j.items()) strip_handles(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_handles(v);
  }
}

Result<std::optional<json>> Firewall::read_table() {
  auto nft = MR_TRY_VALUE(Nft::open());
  auto out = nft.run(std::string("list table ") + ruleset::kFamilyName + " " + ruleset::kTable);
  if (!out) {
    if (out.error().err == ENOENT) return std::nullopt;
    return std::unexpected(std::move(out).error().wrap("list table inet mini_runc"));
  }
  json doc = json::parse(*out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables")) return fail(EPROTO, "list table inet mini_runc: no JSON from nft");
  json objects = json::array();
  for (auto& o : doc["nftables"])
    if (!o.contains("metainfo")) objects.push_back(std::move(o));
  json table{{"nftables", std::move(objects)}};
  strip_handles(table);
  return table;
}

Result<std::vector<std::string>> Firewall::forward_dropping_chains() {
  std::vector<std::string> dropping;
  auto dumped = nl_.request(
      [](char* buf, uint32_t seq) {
        return nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
      },
      [&](const nlmsghdr* h) {
        std::unique_ptr<nftnl_chain, void (*)(const nftnl_chain*)> c(nftnl_chain_alloc(), nftnl_chain_free);
        if (nftnl_chain_nlmsg_parse(h, c.get()) < 0) return;
        if (!nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM) || !nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY)) return;
        uint32_t family = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY);
        std::string table = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE);
        if (family == NFPROTO_INET && table == ruleset::kTable) return;
        uint32_t hook = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM);
        // The forward hook of ip, ip6, inet (NF_INET_FORWARD) and bridge (NF_BR_FORWARD, 2 too).
        bool forward = hook == NF_INET_FORWARD && family != NFPROTO_NETDEV && family != NFPROTO_ARP;
        if (forward && nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP)
          dropping.push_back(family_name(family) + " " + table + " " + nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
      });
  if (!dumped) return std::unexpected(std::move(dumped).error().wrap("list the host's chains"));
  return dropping;
}

// The elements of `set` (one dump); none when the set or the table is not there.
Result<std::vector<ruleset::ListedElement>> Firewall::list_elements(const std::string& set) {
  std::vector<ruleset::ListedElement> listed;
  auto dumped = nl_.request([&](char* buf, uint32_t seq) { return ruleset::dump_request(buf, seq, set); },
                            [&](const nlmsghdr* h) { std::ranges::move(ruleset::listed_of(h), std::back_inserter(listed)); });
  if (!dumped) {
    if (dumped.error().err == ENOENT) return listed;
    return std::unexpected(std::move(dumped).error().wrap("list the elements of " + set));
  }
  return listed;
}

// Whether `set` holds an element (an interval's end alone, as nft 1.0.6 leaves at 0 in
// an interval set, is none).
Result<bool> Firewall::set_has_elements(const std::string& set) {
  return std::ranges::any_of(MR_TRY_VALUE(list_elements(set)), [](const auto& e) { return !e.interval_end; });
}

// The network's sets first: every network has its bridge in `bridges`, so a table in use
// is told by the first, small dump.
Result<void> Firewall::drop_table_if_unused() {
  for (const auto& set : ruleset::set_names())
    if (MR_TRY_VALUE(set_has_elements(set))) return {};
  nfnl::Batch batch;
  ruleset::delete_table(batch);
  auto r = nl_.commit(batch);
  if (!r && r.error().err != ENOENT) return std::unexpected(std::move(r).error().wrap("delete table inet mini_runc"));
  return {};
}

}  // namespace mr::firewall
