#include "firewall/firewall.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "firewall/ruleset.hpp"

namespace mr::firewall {

using nlohmann::json;

Result<Firewall> Firewall::open() { return Firewall(MR_TRY_VALUE(Nft::open())); }

static std::string batch(const std::vector<json>& commands) { return json{{"nftables", commands}}.dump(); }

// `get element` fails with ENOENT for a missing element and for a missing set or table:
// all three mean "not there".
Result<std::optional<std::string>> Firewall::element_comment(std::string_view set, std::string_view key) {
  ruleset::Element e{std::string(set), {}, {}, std::string(key)};
  auto out = nft_.run(ruleset::get_command(e));
  if (!out) {
    if (out.error().err == ENOENT) return std::nullopt;
    return std::unexpected(std::move(out).error().wrap("look up " + std::string(key) + " in " + std::string(set)));
  }
  // nft 1.0.6 prints `get element` in nft syntax even in JSON mode: `... comment "web" : ...`;
  // a later one may print JSON: "comment": "web".
  for (std::string_view mark : {"comment \"", "\"comment\": \""}) {
    auto at = out->find(mark);
    if (at == std::string::npos) continue;
    at += mark.size();
    return out->substr(at, out->find('"', at) - at);
  }
  return std::string();
}

Result<bool> Firewall::has_element(std::string_view set, std::string_view key) {
  return MR_TRY_VALUE(element_comment(set, key)).has_value();
}

Result<std::optional<std::string>> Firewall::port_holder(Protocol protocol, uint16_t port,
                                                         const std::optional<netns::IpAddress>& host_ip) {
  for (const auto& key : ruleset::port_keys(protocol, port, host_ip))
    if (auto holder = MR_TRY_VALUE(element_comment(key.set, key.key))) return holder;
  return std::nullopt;
}

// Who holds host port `port` of mapping `m`: for a host address, that address's map and
// the every-address map of its family; else the every-address map of the container
// address's family (IPv4 and IPv6 NAT are apart).
Result<std::optional<std::string>> Firewall::holder_of(const PortMapping& m, uint16_t port) {
  std::string every = m.container_ip.family == AF_INET ? "dnat4_addr" : "dnat6_addr";
  for (const auto& key : ruleset::port_keys(m.protocol, port, m.host_ip))
    if (m.host_ip || key.set == every)
      if (auto holder = MR_TRY_VALUE(element_comment(key.set, key.key))) return holder;
  return std::nullopt;
}

// The first port of `rules` that another container holds, as the refusal to return.
Result<void> Firewall::check_ports_free(const ContainerRules& rules) {
  for (size_t i = 0; i < rules.ports.size(); ++i) {
    const auto& m = rules.ports[i];
    for (uint32_t k = 0; k < m.range; ++k) {
      auto port = static_cast<uint16_t>(m.host_port + k);
      auto holder = MR_TRY_VALUE(holder_of(m, port));
      if (holder && *holder != rules.container) {
        std::string what = "port " + std::to_string(port) + "/" + std::string(protocol_name(m.protocol));
        if (m.host_ip) what += " on " + m.host_ip->to_string();
        Error e = sys_error(EADDRINUSE, what + " is published by container " + *holder);
        e.pointer = "/ports/" + std::to_string(i);
        return std::unexpected(std::move(e));
      }
    }
  }
  return {};
}

// A fault point for the tests (fault-injection builds only): MR_FIREWALL_FAIL_BATCH=1 ends
// each batch with the deletion of an element that is not there, which the kernel refuses
// after taking in every earlier command of the transaction.
static void maybe_spoil(std::vector<json>& commands) {
#ifdef MR_FAULT_INJECTION
  if (const char* v = std::getenv("MR_FIREWALL_FAIL_BATCH"); v && std::string_view(v) == "1")
    commands.push_back(ruleset::element_command(
        "delete", ruleset::Element{"bridges", "mr-fault", "mr-fault", "\"mr-fault\""}));
#else
  (void)commands;
#endif
}

// The batch of add_container(): every port element is created (NLM_F_EXCL), so that the
// kernel refuses, in the same transaction, a port someone holds; those in `own` (this
// container's already) are left out.
static std::string add_batch(const ContainerRules& rules, const std::vector<bool>& own) {
  std::vector<json> commands = ruleset::skeleton();
  for (const auto& e : ruleset::network_elements(rules.network))
    commands.push_back(ruleset::element_command("add", e));
  auto ports = ruleset::port_elements(rules);
  for (size_t i = 0; i < ports.size(); ++i)
    if (own.empty() || !own[i]) commands.push_back(ruleset::element_command("create", ports[i].element));
  // A port on one host address is taken if it is published on every address: the
  // every-address element is created and deleted again in the same transaction, which
  // the kernel refuses (EEXIST) when it is there.
  ContainerRules probe = rules;
  std::erase_if(probe.ports, [](const PortMapping& m) { return !m.host_ip; });
  for (auto& m : probe.ports) m.host_ip.reset();
  for (const auto& p : ruleset::port_elements(probe)) {
    if (!p.element.set.ends_with("_addr")) continue;
    commands.push_back(ruleset::element_command("create", p.element));
    commands.push_back(ruleset::element_command("delete", p.element));
  }
  maybe_spoil(commands);
  return batch(commands);
}

// No lookup before the batch: nft 1.0.6 answers `get element` after listing every element
// of the set into its cache, so a check per port would cost as much as the ports
// published. The kernel's refusal (a hash lookup) is the check; only then are the holders
// looked up, to name the one that refuses, or to find this container's own ports (its
// rules added again, as `network reload` does) and leave them as they are.
Result<void> Firewall::add_container(const ContainerRules& rules) {
  MR_TRY(validate(rules));
  std::string what = "add the firewall rules of container " + rules.container;
  auto r = nft_.run(add_batch(rules, {}));
  if (r) return {};
  if (r.error().err != EEXIST) return std::unexpected(std::move(r).error().wrap(what));
  MR_TRY_CTX(check_ports_free(rules), what);
  std::vector<bool> own;
  for (const auto& p : ruleset::port_elements(rules)) {
    auto holder = MR_TRY_VALUE(element_comment(p.element.set, p.element.key));
    own.push_back(holder && *holder == rules.container);
  }
  MR_TRY_CTX(nft_.run(add_batch(rules, own)), what);
  return {};
}

Result<void> Firewall::remove_container(const ContainerRules& rules, bool last_on_network) {
  MR_TRY(validate(rules));
  std::string what = "remove the firewall rules of container " + rules.container;
  std::vector<json> commands;
  for (const auto& p : ruleset::port_elements(rules)) {
    auto holder = MR_TRY_VALUE(element_comment(p.element.set, p.element.key));
    if (holder && *holder == rules.container) commands.push_back(ruleset::element_command("delete", p.element));
  }
  if (last_on_network)
    for (const auto& e : ruleset::network_elements(rules.network))
      if (MR_TRY_VALUE(has_element(e.set, e.key))) commands.push_back(ruleset::element_command("delete", e));
  if (commands.empty()) return {};
  maybe_spoil(commands);
  MR_TRY_CTX(nft_.run(batch(commands)), what);
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
  auto out = nft_.run(std::string("list table ") + ruleset::kFamily + " " + ruleset::kTable);
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
  auto out = MR_TRY_VALUE(nft_.run("list chains"));
  json doc = json::parse(out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables")) return fail(EPROTO, "list chains: no JSON from nft");
  std::vector<std::string> dropping;
  for (const auto& o : doc["nftables"]) {
    if (!o.contains("chain")) continue;
    const auto& c = o["chain"];
    std::string family = c.value("family", ""), table = c.value("table", "");
    if (family == ruleset::kFamily && table == ruleset::kTable) continue;
    if (c.value("hook", "") == "forward" && c.value("policy", "") == "drop")
      dropping.push_back(family + " " + table + " " + c.value("name", ""));
  }
  return dropping;
}

Result<void> Firewall::drop_table_if_unused() {
  auto table = MR_TRY_VALUE(read_table());
  if (!table) return {};
  for (const auto& o : (*table)["nftables"]) {
    for (const char* kind : {"set", "map"})
      if (o.contains(kind) && o[kind].contains("elem") && !o[kind]["elem"].empty()) return {};
  }
  MR_TRY_CTX(nft_.run(std::string("delete table ") + ruleset::kFamily + " " + ruleset::kTable),
             "delete table inet mini_runc");
  return {};
}

}  // namespace mr::firewall
