// The ADD result (SPEC.md section 5; libcni's pkg/types/040 for 0.3.0 to 0.4.0 and
// pkg/types/100 for 1.0.0 and 1.1.0), written and read in each supported version.
#include "cni/protocol.hpp"
#include "oci/json_input.hpp"

namespace mr::cni {

using nlohmann::json;

namespace {

// 0.3.0, 0.3.1 and 0.4.0: each ip says its family ("version": "4" or "6").
bool ips_have_version(std::string_view version) { return version < "1.0.0"; }

json strings(const std::vector<std::string>& v) {
  json out = json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

Failure bad(const std::string& file, const std::string& pointer, const std::string& what) {
  return {Code::decode_failure, oci::input_error(file, pointer, what).message(), {}};
}

class ResultReader {
 public:
  ResultReader(const std::string& file, const std::string& base) : file_(file), base_(base) {}

  Outcome<AddResult> read(const json& j) {
    if (!j.is_object()) return std::unexpected(bad(file_, base_ + "", "expected a result object"));
    AddResult r;
    const auto interfaces = MR_TRY_VALUE(array(j, "", "interfaces"));
    for (size_t i = 0; const auto& e : interfaces) {
      std::string ptr = "/interfaces/" + std::to_string(i++);
      ResultInterface itf;
      itf.name = MR_TRY_VALUE(string(e, ptr, "name", true));
      if (auto mac = MR_TRY_VALUE(string(e, ptr, "mac", false)); !mac.empty()) {
        auto m = netns::MacAddress::parse(mac);
        if (!m) return std::unexpected(bad(file_, base_ + ptr + "/mac", "expected a MAC address (got \"" + mac + "\")"));
        itf.mac = *m;
      }
      if (auto it = e.find("mtu"); it != e.end() && it->is_number_integer() && it->get<int64_t>() > 0) itf.mtu = it->get<uint32_t>();
      itf.sandbox = MR_TRY_VALUE(string(e, ptr, "sandbox", false));
      r.interfaces.push_back(std::move(itf));
    }
    const auto ips = MR_TRY_VALUE(array(j, "", "ips"));
    for (size_t i = 0; const auto& e : ips) {
      std::string ptr = "/ips/" + std::to_string(i++);
      ResultIp ip;
      ip.address = MR_TRY_VALUE(prefix(MR_TRY_VALUE(string(e, ptr, "address", true)), ptr + "/address"));
      if (auto gw = MR_TRY_VALUE(string(e, ptr, "gateway", false)); !gw.empty())
        ip.gateway = MR_TRY_VALUE(address(gw, ptr + "/gateway"));
      if (auto it = e.find("interface"); it != e.end()) {
        // nlohmann keeps a number it was given as int signed, one it parsed unsigned.
        if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<uint64_t>() >= r.interfaces.size())
          return std::unexpected(bad(file_, base_ + ptr + "/interface", "expected an index into interfaces (got " + oci::brief(*it) + ")"));
        ip.interface = it->get<int>();
      }
      r.ips.push_back(std::move(ip));
    }
    const auto routes = MR_TRY_VALUE(array(j, "", "routes"));
    for (size_t i = 0; const auto& e : routes) {
      std::string ptr = "/routes/" + std::to_string(i++);
      ResultRoute route;
      route.dst = MR_TRY_VALUE(prefix(MR_TRY_VALUE(string(e, ptr, "dst", true)), ptr + "/dst"));
      if (auto gw = MR_TRY_VALUE(string(e, ptr, "gw", false)); !gw.empty()) route.gw = MR_TRY_VALUE(address(gw, ptr + "/gw"));
      r.routes.push_back(std::move(route));
    }
    if (auto it = j.find("dns"); it != j.end()) {
      if (!it->is_object()) return std::unexpected(bad(file_, base_ + "/dns", "expected an object"));
      r.dns.nameservers = MR_TRY_VALUE(string_list(*it, "/dns", "nameservers"));
      r.dns.domain = MR_TRY_VALUE(string(*it, "/dns", "domain", false));
      r.dns.search = MR_TRY_VALUE(string_list(*it, "/dns", "search"));
      r.dns.options = MR_TRY_VALUE(string_list(*it, "/dns", "options"));
    }
    return r;
  }

 private:
  Outcome<std::vector<json>> array(const json& obj, const std::string& ptr, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::vector<json>{};
    if (!it->is_array()) return std::unexpected(bad(file_, base_ + ptr + "/" + key, "expected an array"));
    std::vector<json> out;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_object())
        return std::unexpected(bad(file_, base_ + ptr + "/" + key + "/" + std::to_string(i), "expected an object"));
      out.push_back((*it)[i]);
    }
    return out;
  }
  Outcome<std::string> string(const json& obj, const std::string& ptr, const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) return std::unexpected(bad(file_, base_ + ptr + "/" + key, "missing"));
      return std::string();
    }
    if (!it->is_string()) return std::unexpected(bad(file_, base_ + ptr + "/" + key, "expected a string (got " + oci::brief(*it) + ")"));
    return it->get<std::string>();
  }
  Outcome<std::vector<std::string>> string_list(const json& obj, const std::string& ptr, const char* key) {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end()) return out;
    if (!it->is_array()) return std::unexpected(bad(file_, base_ + ptr + "/" + key, "expected an array of strings"));
    for (const auto& s : *it) {
      if (!s.is_string()) return std::unexpected(bad(file_, base_ + ptr + "/" + key, "expected an array of strings"));
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  Outcome<netns::IpPrefix> prefix(const std::string& text, const std::string& ptr) {
    auto p = netns::IpPrefix::parse(text);
    if (!p) return std::unexpected(bad(file_, base_ + ptr, "expected an address in CIDR notation (got \"" + text + "\")"));
    return *p;
  }
  Outcome<netns::IpAddress> address(const std::string& text, const std::string& ptr) {
    auto a = netns::IpAddress::parse(text);
    if (!a) return std::unexpected(bad(file_, base_ + ptr, "expected an IPv4 or IPv6 address (got \"" + text + "\")"));
    return *a;
  }

  const std::string& file_;
  const std::string& base_;
};

}  // namespace

json encode_result(const AddResult& r, std::string_view version) {
  json out{{"cniVersion", version}};
  json interfaces = json::array();
  for (const auto& i : r.interfaces) {
    json e{{"name", i.name}};
    if (i.mac) e["mac"] = i.mac->to_string();
    if (i.mtu != 0 && version == "1.1.0") e["mtu"] = i.mtu;
    if (!i.sandbox.empty()) e["sandbox"] = i.sandbox;
    interfaces.push_back(std::move(e));
  }
  if (!interfaces.empty()) out["interfaces"] = std::move(interfaces);
  json ips = json::array();
  for (const auto& ip : r.ips) {
    json e;
    if (ips_have_version(version)) e["version"] = ip.address.family() == AF_INET ? "4" : "6";
    if (ip.interface) e["interface"] = *ip.interface;
    e["address"] = ip.address.to_string();
    if (ip.gateway) e["gateway"] = ip.gateway->to_string();
    ips.push_back(std::move(e));
  }
  if (!ips.empty()) out["ips"] = std::move(ips);
  json routes = json::array();
  for (const auto& route : r.routes) {
    json e{{"dst", route.dst.to_string()}};
    if (route.gw) e["gw"] = route.gw->to_string();
    routes.push_back(std::move(e));
  }
  if (!routes.empty()) out["routes"] = std::move(routes);
  // libcni writes "dns" always (a struct is never omitted by encoding/json), empty or not.
  json dns = json::object();
  if (!r.dns.nameservers.empty()) dns["nameservers"] = strings(r.dns.nameservers);
  if (!r.dns.domain.empty()) dns["domain"] = r.dns.domain;
  if (!r.dns.search.empty()) dns["search"] = strings(r.dns.search);
  if (!r.dns.options.empty()) dns["options"] = strings(r.dns.options);
  out["dns"] = std::move(dns);
  return out;
}

Outcome<AddResult> decode_result(const json& j, const std::string& file, const std::string& pointer) {
  return ResultReader(file, pointer).read(j);
}

AddResult chain_results(AddResult prev, const AddResult& ours) {
  const int shift = static_cast<int>(prev.interfaces.size());
  prev.interfaces.insert(prev.interfaces.end(), ours.interfaces.begin(), ours.interfaces.end());
  for (ResultIp ip : ours.ips) {
    if (ip.interface) *ip.interface += shift;
    prev.ips.push_back(std::move(ip));
  }
  prev.routes.insert(prev.routes.end(), ours.routes.begin(), ours.routes.end());
  // One resolver configuration per result: the network's servers, when it names them.
  if (!ours.dns.nameservers.empty()) prev.dns = ours.dns;
  return prev;
}

}  // namespace mr::cni
