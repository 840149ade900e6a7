#include "netns/journal_codec.hpp"

#include <algorithm>
#include <cstdio>

namespace mr::netns {

namespace {

// Bytes that could split a line, a field or a sub-field are written as %XX.
std::string escape(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c <= 0x20 || c >= 0x7f || c == '%' || c == ';' || c == '=') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Result<std::string> unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out += v[i];
      continue;
    }
    unsigned byte = 0;
    if (i + 2 >= v.size()) return fail(EINVAL, "truncated %-escape");
    auto [end, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, byte, 16);
    if (ec != std::errc{} || end != v.data() + i + 3) return fail(EINVAL, "bad %-escape");
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

std::string optional_ip(const std::optional<IpAddress>& a) { return a ? a->to_string() : "-"; }

Result<std::optional<IpAddress>> parse_optional_ip(std::string_view text) {
  if (text == "-") return std::optional<IpAddress>();
  return std::optional<IpAddress>(MR_TRY_VALUE(IpAddress::parse(text)));
}

// A sub-field holding text of its own (a label, a device name): escaped again, so
// that its ';' and ',' cannot split the field. No control bytes: it ends up in messages.
std::string text_part(std::string_view v) { return escape(v); }

Result<std::string> parse_text_part(std::string_view v, std::string_view what) {
  auto out = MR_TRY_VALUE(unescape(v));
  for (unsigned char c : out)
    if (c < 0x20 || c == 0x7f) return fail(EINVAL, "control byte in " + std::string(what));
  return out;
}

std::string lifetime(uint32_t v) { return v == kForever ? "-" : std::to_string(v); }

Result<uint32_t> parse_lifetime(std::string_view text) {
  if (text == "-") return kForever;
  return parse_number<uint32_t>(text, "address lifetime");
}

// "192.0.2.10/24;0;128;192.0.2.255;PEER;LABEL;RT_PRIORITY;PROTO;VALID;PREFERRED": the
// first four as version 1 wrote them (a record of it has only those), then the peer
// ("-": none), the label ("": the device's name), the prefix route's metric, who added

// "a,b,c": a list of sub-values, each written by `text`; read back by split_list().
template <class T, class F>
std::string join_list(const std::vector<T>& items, F text) {
  std::string out;
  for (const auto& x : items) {
    if (!out.empty()) out += ",";
    out += text(x);
  }
  return out;
}

template <class T>
Result<std::vector<T>> split_list(std::string_view text, Result<T> (*parse)(std::string_view)) {
  std::vector<T> out;
  if (text.empty()) return out;
  for (auto one : split(text, ',')) out.push_back(MR_TRY_VALUE(parse(one)));
  return out;
}

// "192.0.2.1/2/4/1,-/7/0/2": each nexthop's gateway ("-": none), ifindex, flags, weight.
std::string encode_nexthops(const std::vector<Nexthop>& nexthops) {
  return join_list(nexthops, [](const Nexthop& nh) {
    return optional_ip(nh.gateway) + "/" + std::to_string(nh.ifindex) + "/" + std::to_string(nh.flags) + "/" +
           std::to_string(nh.weight);
  });
}

Result<Nexthop> decode_nexthop(std::string_view one) {
  auto parts = split(one, '/');
  if (parts.size() != 4) return fail(EINVAL, "bad nexthop \"" + std::string(one) + "\"");
  Nexthop nh;
  nh.gateway = MR_TRY_VALUE(parse_optional_ip(parts[0]));
  nh.ifindex = MR_TRY_VALUE(parse_number<int>(parts[1], "nexthop ifindex"));
  nh.flags = MR_TRY_VALUE(parse_number<uint8_t>(parts[2], "nexthop flags"));
  nh.weight = MR_TRY_VALUE(parse_number<uint16_t>(parts[3], "nexthop weight"));
  if (nh.weight < 1 || nh.weight > 256) return fail(EINVAL, "bad nexthop weight");
  return nh;
}

// "2:1400,8:1": RTAX_* type and value.
std::string encode_metrics(const std::vector<RouteMetric>& metrics) {
  return join_list(metrics, [](const RouteMetric& m) { return std::to_string(m.type) + ":" + std::to_string(m.value); });
}

Result<RouteMetric> decode_metric(std::string_view one) {
  auto parts = split(one, ':');
  if (parts.size() != 2) return fail(EINVAL, "bad route metric \"" + std::string(one) + "\"");
  RouteMetric m;
  m.type = MR_TRY_VALUE(parse_number<uint16_t>(parts[0], "route metric type"));
  m.value = MR_TRY_VALUE(parse_number<uint32_t>(parts[1], "route metric value"));
  return m;
}

std::string optional_number(const std::optional<uint8_t>& v) { return v ? std::to_string(*v) : "-"; }

// "0.0.0.0/0;192.0.2.1;0;100;254;-;PROTO;SCOPE;TYPE;TOS;PREF;FROM;METRICS;CONGCTL;NEXTHOPS":
// destination, gateway, onlink, metric, table, source as version 1 wrote them (a record
// of it has only those), then protocol, scope, type, tos, IPv6 preference ("-": none),
// source prefix ("-": none), metrics, congestion control, a multipath route's nexthops.
const char* proof_kind_name(LinkProof::Kind k) {
  switch (k) {
    case LinkProof::Kind::none: return "none";
    case LinkProof::Kind::hardware: return "hardware";
    case LinkProof::Kind::veth: return "veth";
    case LinkProof::Kind::lower: return "lower";
  }
  return "?";
}

}  // namespace

void RecordFields::add(std::string_view key, std::string_view value) {
  text_ += " ";
  text_ += key;
  text_ += "=";
  text_ += escape(value);
}

Result<std::string> ParsedRecord::one(std::string_view key) const {
  const std::string* found = nullptr;
  for (auto& [k, v] : fields)
    if (k == key) {
      if (found) return fail(EINVAL, "field " + std::string(key) + " repeated");
      found = &v;
    }
  if (!found) return fail(EINVAL, "field " + std::string(key) + " missing");
  return *found;
}

Result<std::optional<std::string>> ParsedRecord::maybe(std::string_view key) const {
  for (auto& [k, v] : fields)
    if (k == key) return std::optional<std::string>(MR_TRY_VALUE(one(key)));
  return std::optional<std::string>();
}

std::vector<std::string> ParsedRecord::all(std::string_view key) const {
  std::vector<std::string> out;
  for (auto& [k, v] : fields)
    if (k == key) out.push_back(v);
  return out;
}

Result<std::string> ParsedRecord::name(std::string_view key) const {
  auto v = MR_TRY_VALUE(one(key));
  if (v.find_first_of("\t\n\v\f\r") != std::string::npos)
    return fail(EINVAL, "field " + std::string(key) + " holds a line break");
  return v;
}

Result<ParsedRecord> parse_record(std::string_view body) {
  auto words = split(body, ' ');
  ParsedRecord p;
  p.op = words[0];
  for (size_t i = 1; i < words.size(); ++i) {
    auto eq = words[i].find('=');
    if (eq == std::string_view::npos || eq == 0) return fail(EINVAL, "bad field \"" + std::string(words[i]) + "\"");
    auto value = MR_TRY_VALUE(unescape(words[i].substr(eq + 1)));
    p.fields.emplace_back(std::string(words[i].substr(0, eq)), std::move(value));
  }
  return p;
}

// "192.0.2.10/24;0;128;192.0.2.255;PEER;LABEL;RT_PRIORITY;PROTO;VALID;PREFERRED": the
// first four as version 1 wrote them (a record of it has only those), then the peer
// ("-": none), the label ("": the device's name), the prefix route's metric, who added
// it, and the seconds left of its lifetimes when read ("-": forever).
std::string encode_address(const AddressInfo& a) {
  return a.prefix.to_string() + ";" + std::to_string(a.scope) + ";" + std::to_string(a.flags) + ";" +
         optional_ip(a.broadcast) + ";" + optional_ip(a.peer) + ";" + text_part(a.label) + ";" +
         std::to_string(a.rt_priority) + ";" + std::to_string(a.proto) + ";" + lifetime(a.valid_lft) + ";" +
         lifetime(a.preferred_lft);
}

Result<AddressInfo> decode_address(std::string_view text) {
  auto parts = split(text, ';');
  if (parts.size() != 4 && parts.size() != 10) return fail(EINVAL, "bad address \"" + std::string(text) + "\"");
  AddressInfo a;
  a.prefix = MR_TRY_VALUE(IpPrefix::parse(parts[0]));
  a.scope = MR_TRY_VALUE(parse_number<uint8_t>(parts[1], "address scope"));
  a.flags = MR_TRY_VALUE(parse_number<uint32_t>(parts[2], "address flags"));
  a.broadcast = MR_TRY_VALUE(parse_optional_ip(parts[3]));
  if (parts.size() == 4) return a;
  a.peer = MR_TRY_VALUE(parse_optional_ip(parts[4]));
  a.label = MR_TRY_VALUE(parse_text_part(parts[5], "address label"));
  a.rt_priority = MR_TRY_VALUE(parse_number<uint32_t>(parts[6], "address route priority"));
  a.proto = MR_TRY_VALUE(parse_number<uint8_t>(parts[7], "address protocol"));
  a.valid_lft = MR_TRY_VALUE(parse_lifetime(parts[8]));
  a.preferred_lft = MR_TRY_VALUE(parse_lifetime(parts[9]));
  return a;
}

// "0.0.0.0/0;192.0.2.1;0;100;254;-;PROTO;SCOPE;TYPE;TOS;PREF;FROM;METRICS;CONGCTL;NEXTHOPS":
// destination, gateway, onlink, metric, table, source as version 1 wrote them (a record
// of it has only those), then protocol, scope, type, tos, IPv6 preference ("-": none),
// source prefix ("-": none), metrics, congestion control, a multipath route's nexthops.
std::string encode_route(const Route& r) {
  return r.destination.network().to_string() + ";" + optional_ip(r.gateway) + ";" + (r.onlink ? "1" : "0") +
         ";" + std::to_string(r.metric) + ";" + std::to_string(r.table) + ";" + optional_ip(r.source) + ";" +
         std::to_string(r.protocol) + ";" + std::to_string(r.scope) + ";" + std::to_string(r.type) + ";" +
         std::to_string(r.tos) + ";" + optional_number(r.pref) + ";" +
         (r.from ? r.from->network().to_string() : "-") + ";" + encode_metrics(r.metrics) + ";" +
         text_part(r.congctl) + ";" + encode_nexthops(r.nexthops);
}

Result<Route> decode_route(std::string_view text) {
  auto parts = split(text, ';');
  if (parts.size() != 6 && parts.size() != 15) return fail(EINVAL, "bad route \"" + std::string(text) + "\"");
  Route r;
  r.destination = MR_TRY_VALUE(IpPrefix::parse(parts[0]));
  r.gateway = MR_TRY_VALUE(parse_optional_ip(parts[1]));
  if (parts[2] != "0" && parts[2] != "1") return fail(EINVAL, "bad route onlink flag");
  r.onlink = parts[2] == "1";
  r.metric = MR_TRY_VALUE(parse_number<uint32_t>(parts[3], "route metric"));
  r.table = MR_TRY_VALUE(parse_number<uint32_t>(parts[4], "route table"));
  r.source = MR_TRY_VALUE(parse_optional_ip(parts[5]));
  if (parts.size() == 6) {
    // Version 1 recorded main-table unicast routes and added them as add_route() does.
    r.scope = (!r.gateway && r.family() == AF_INET) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    return r;
  }
  r.protocol = MR_TRY_VALUE(parse_number<uint8_t>(parts[6], "route protocol"));
  r.scope = MR_TRY_VALUE(parse_number<uint8_t>(parts[7], "route scope"));
  r.type = MR_TRY_VALUE(parse_number<uint8_t>(parts[8], "route type"));
  r.tos = MR_TRY_VALUE(parse_number<uint8_t>(parts[9], "route tos"));
  if (parts[10] != "-") r.pref = MR_TRY_VALUE(parse_number<uint8_t>(parts[10], "route preference"));
  if (parts[11] != "-") r.from = MR_TRY_VALUE(IpPrefix::parse(parts[11]));
  r.metrics = MR_TRY_VALUE(split_list(parts[12], decode_metric));
  r.congctl = MR_TRY_VALUE(parse_text_part(parts[13], "route congestion control"));
  r.nexthops = MR_TRY_VALUE(split_list(parts[14], decode_nexthop));
  if ((r.from && r.from->family() != r.family()) ||
      std::any_of(r.nexthops.begin(), r.nexthops.end(),
                  [&](const Nexthop& nh) { return nh.gateway && nh.gateway->family != r.family(); }))
    return fail(EINVAL, "route of mixed address families");
  return r;
}

// "5;bridge;br0": index, kind and name of the master.
std::string encode_master(const MasterLink& m) {
  return std::to_string(m.index) + ";" + text_part(m.kind) + ";" + text_part(m.name);
}

Result<MasterLink> decode_master(std::string_view text) {
  auto parts = split(text, ';');
  if (parts.size() != 3) return fail(EINVAL, "bad master \"" + std::string(text) + "\"");
  MasterLink m;
  m.index = MR_TRY_VALUE(parse_number<int>(parts[0], "master ifindex"));
  m.kind = MR_TRY_VALUE(parse_text_part(parts[1], "master kind"));
  m.name = MR_TRY_VALUE(parse_text_part(parts[2], "master name"));
  if (m.index <= 0) return fail(EINVAL, "bad master ifindex");
  return m;
}

// "192.0.2.9;02:00:00:00:00:09;128;0": destination, link-layer address, NUD state, flags.
std::string encode_neighbour(const Neighbour& n) {
  return n.destination.to_string() + ";" + lladdr_text(n.lladdr) + ";" + std::to_string(n.state) + ";" +
         std::to_string(n.flags);
}

Result<Neighbour> decode_neighbour(std::string_view text) {
  auto parts = split(text, ';');
  if (parts.size() != 4) return fail(EINVAL, "bad neighbour \"" + std::string(text) + "\"");
  Neighbour n;
  n.destination = MR_TRY_VALUE(IpAddress::parse(parts[0]));
  n.lladdr = MR_TRY_VALUE(parse_lladdr(parts[1]));
  n.state = MR_TRY_VALUE(parse_number<uint16_t>(parts[2], "neighbour state"));
  n.flags = MR_TRY_VALUE(parse_number<uint8_t>(parts[3], "neighbour flags"));
  return n;
}

// "1,0,1,...": a device's sysctl values in the kernel's order.
std::string encode_sysctl_values(const std::vector<int32_t>& values) {
  return join_list(values, [](int32_t v) { return std::to_string(v); });
}

Result<std::vector<int32_t>> decode_sysctl_values(std::string_view text) {
  return split_list<int32_t>(text, [](std::string_view v) { return parse_number<int32_t>(v, "sysctl value"); });
}

// "BOOT_ID;SECONDS", see LifetimeClock.
std::string encode_clock(const LifetimeClock& c) { return text_part(c.boot_id) + ";" + std::to_string(c.seconds); }

Result<LifetimeClock> decode_clock(std::string_view text) {
  auto parts = split(text, ';');
  if (parts.size() != 2) return fail(EINVAL, "bad clock \"" + std::string(text) + "\"");
  LifetimeClock c;
  c.boot_id = MR_TRY_VALUE(parse_text_part(parts[0], "boot id"));
  c.seconds = MR_TRY_VALUE(parse_number<uint64_t>(parts[1], "clock seconds"));
  return c;
}

// proof=veth peer=3 peer_nsid=-1 | proof=lower peer=3 | proof=hardware perm=MAC|- pdev= pbus=.
// Absent in records written before proofs were: kind none.
void encode_proof(const LinkProof& p, RecordFields& f) {
  if (p.kind == LinkProof::Kind::none) return;
  f.add("proof", proof_kind_name(p.kind));
  if (p.kind == LinkProof::Kind::hardware) {
    f.add("perm", p.perm_mac ? p.perm_mac->to_string() : "-");
    f.add("pdev", p.parent_dev);
    f.add("pbus", p.parent_bus);
    return;
  }
  f.add("peer", static_cast<uint64_t>(p.peer_index));
  if (p.kind == LinkProof::Kind::veth) f.add("peer_nsid", std::to_string(p.peer_nsid));
}

Result<LinkProof> decode_proof(const ParsedRecord& p) {
  LinkProof proof;
  auto kinds = p.all("proof");
  if (kinds.empty()) return proof;
  auto kind = MR_TRY_VALUE(p.one("proof"));
  if (kind == "hardware") {
    proof.kind = LinkProof::Kind::hardware;
    auto perm = MR_TRY_VALUE(p.one("perm"));
    if (perm != "-") proof.perm_mac = MR_TRY_VALUE(MacAddress::parse(perm));
    proof.parent_dev = MR_TRY_VALUE(p.name("pdev"));
    proof.parent_bus = MR_TRY_VALUE(p.name("pbus"));
    if (!proof.perm_mac && proof.parent_dev.empty()) return fail(EINVAL, "hardware proof without an address or a device");
    return proof;
  }
  if (kind == "veth") proof.kind = LinkProof::Kind::veth;
  else if (kind == "lower") proof.kind = LinkProof::Kind::lower;
  else return fail(EINVAL, "unknown proof \"" + kind + "\"");
  proof.peer_index = MR_TRY_VALUE(p.num<int>("peer"));
  if (proof.peer_index <= 0) return fail(EINVAL, "bad peer ifindex");
  if (proof.kind == LinkProof::Kind::veth) {
    proof.peer_nsid = MR_TRY_VALUE(p.num<int>("peer_nsid"));
    if (proof.peer_nsid < -1) return fail(EINVAL, "bad peer namespace id");
  }
  return proof;
}

}  // namespace mr::netns
