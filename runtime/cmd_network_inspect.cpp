// network inspect NAME...: a JSON array of the definitions as stored, each with "file"
// (where it was read from; "" for the built-in default). Any name that does not read
// fails the command and nothing is printed.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "netdef/network_def_file.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

Command add_network_inspect_command(CLI::App& network, const GlobalOptions& g) {
  auto* sub = network.add_subcommand("inspect", "print networks' definitions as JSON");
  auto names = std::make_shared<std::vector<std::string>>();
  sub->add_option("name", *names, "the networks")->required();
  return {sub, [&g, names] {
            auto store = network_store(g);
            auto out = nlohmann::ordered_json::array();
            for (const auto& name : *names) {
              auto def = store.get(name);
              if (!def) return report_network(std::move(def).error(), "network inspect");
              out.push_back(network_json_with_file(*def));
            }
            std::cout << out.dump(2) << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
