#include "cli/network_view_table.hpp"

#include <algorithm>
#include <vector>

#include "netspec/network_view_json.hpp"

namespace mr::cli {

namespace {

using json = nlohmann::ordered_json;
using Row = std::vector<std::string>;

// Columns padded to their widest cell, two spaces apart, no trailing blanks.
std::string table(const std::vector<Row>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string text(const json& j, const char* key, std::string absent = "-") {
  if (!j.contains(key)) return absent;
  const json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string origin_text(const json& link) {
  if (!link.contains("host")) return "container";
  const json& h = link["host"];
  std::string origin = h["origin"];
  if (origin == "moved") return "moved from host " + text(h, "name");
  if (origin == "macvlan") return "macvlan of host " + text(h, "parent", "(gone)") + ", mode " + text(h, "mode");
  if (origin == "network") {
    std::string out = "network " + text(h, "network") + ", host end " + text(h, "name");
    std::string ports;
    for (const auto& p : h.value("ports", json::array())) {
      std::string host = text(p, "hostIp", "") + (p.contains("hostIp") ? ":" : "") + text(p, "hostPort");
      std::string range = p.contains("range") ? "+" + text(p, "range") : "";
      ports += (ports.empty() ? "" : ", ") + host + range + "->" + text(p, "containerPort") + "/" + text(p, "protocol");
    }
    return ports.empty() ? out : out + ", publishes " + ports;
  }
  std::string out = "veth, host end " + text(h, "name");
  if (h.contains("bridge")) out += " on bridge " + text(h, "bridge");
  std::string addresses;
  for (const auto& a : h["addresses"]) addresses += (addresses.empty() ? "" : ", ") + a.get<std::string>();
  if (!addresses.empty()) out += " with " + addresses;
  return out;
}

std::string render_table(const json& view) {
  std::vector<Row> links = {{"LINK", "KIND", "MTU", "STATE", "OPER", "MAC", "ADDRESS", "FROM"}};
  for (const auto& l : view["links"]) {
    const json& addrs = l["addresses"];
    links.push_back({text(l, "name"), text(l, "kind"), text(l, "mtu"), l["up"].get<bool>() ? "up" : "down",
                     text(l, "operstate"), text(l, "mac"), addrs.empty() ? "-" : addrs[0].get<std::string>(),
                     origin_text(l)});
    // Further addresses on lines of their own, under the first.
    for (std::size_t i = 1; i < addrs.size(); ++i) links.push_back({"", "", "", "", "", "", addrs[i].get<std::string>()});
  }
  std::vector<Row> routes = {{"ROUTE", "VIA", "DEVICE", "METRIC", "PROTOCOL", "SCOPE", "FLAGS"}};
  for (const auto& r : view["routes"]) {
    std::string flags = r.contains("onlink") ? "onlink" : "";
    if (r.contains("source")) flags += (flags.empty() ? "src " : " src ") + text(r, "source");
    routes.push_back({text(r, "to"), text(r, "via"), text(r, "device"), text(r, "metric"), text(r, "protocol"),
                      text(r, "scope"), flags});
  }
  return table(links) + "\n" + table(routes);
}

}  // namespace

std::string render_network_table(const netns::ContainerNetworkView& view) {
  return render_table(netspec::network_view_json(view));
}

}  // namespace mr::cli
