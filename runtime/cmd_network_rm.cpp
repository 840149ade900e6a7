// network rm [--force] NAME...: removes each network's file, in order, printing its
// name; the first that cannot go stops the command. A network containers use is
// refused without --force; --force also removes a file that no longer reads.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "netdef/network_users.hpp"
#include "runtime/cmd_network.hpp"

namespace mr::runtime {

Result<void> remove_network(netdef::NetworkStore& store, const std::string& name, bool force) {
  auto def = store.get(name);
  // A hand edit gone wrong is no reason to keep a network: --force removes it unread.
  if (!def && !(force && !def.error().file.empty())) return std::unexpected(std::move(def).error());
  if (def) {
    auto users = MR_TRY_VALUE(netdef::users_of(*def));
    if (!users.empty() && !force) {
      std::string ids;
      for (const auto& id : users) ids += (ids.empty() ? "" : ", ") + id;
      return fail(0, "network \"" + name + "\" is in use by " + ids + " (--force removes it all the same)");
    }
  }
  return store.remove(name);
}

Command add_network_rm_command(CLI::App& network, const GlobalOptions& g) {
  auto* sub = network.add_subcommand("rm", "remove networks");
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  sub->add_option("name", *names, "the networks")->required();
  sub->add_flag("-f,--force", *force, "remove a network in use, or whose file does not read");
  return {sub, [&g, names, force] {
            auto store = network_store(g);
            for (const auto& name : *names) {
              if (auto r = remove_network(store, name, *force); !r) return report_network(std::move(r).error(), "network rm");
              std::cout << name << "\n";
            }
            return 0;
          }};
}

}  // namespace mr::runtime
