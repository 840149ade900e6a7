// network ls [--format json]: every network, "default" included; a table of NAME,
// DRIVER, SUBNETS and BRIDGE, or the JSON array of the definitions as `inspect` prints
// them. A file that does not read fails the command, naming the file and pointer.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "netdef/network_def_file.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

namespace {

std::string subnets_text(const netdef::NetworkDef& def) {
  std::string out;
  for (const auto& s : def.subnets) out += (out.empty() ? "" : ",") + s.subnet.to_string();
  return out;
}

}  // namespace

nlohmann::ordered_json network_json_with_file(const netdef::NetworkDef& def) {
  auto j = netdef::network_def_json(def);
  j["file"] = def.file;
  return j;
}

Command add_network_ls_command(CLI::App& network, const GlobalOptions& g) {
  auto* sub = network.add_subcommand("ls", "list the networks");
  auto format = std::make_shared<std::string>("table");
  sub->add_option("-f,--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  return {sub, [&g, format] {
            auto all = network_store(g).list();
            if (!all) return report_network(std::move(all).error(), "network ls");
            if (*format == "json") {
              auto out = nlohmann::ordered_json::array();
              for (const auto& def : *all) out.push_back(network_json_with_file(def));
              std::cout << out.dump(2) << "\n";
              return 0;
            }
            int name_width = 4, subnets_width = 7;
            for (const auto& def : *all) {
              name_width = std::max(name_width, static_cast<int>(def.name.size()));
              subnets_width = std::max(subnets_width, static_cast<int>(subnets_text(def).size()));
            }
            std::printf("%-*s  %-6s  %-*s  %s\n", name_width, "NAME", "DRIVER", subnets_width, "SUBNETS", "BRIDGE");
            for (const auto& def : *all)
              std::printf("%-*s  %-6s  %-*s  %s\n", name_width, def.name.c_str(), def.driver.c_str(), subnets_width,
                          subnets_text(def).c_str(), def.bridge.c_str());
            return 0;
          }};
}

}  // namespace mr::runtime
