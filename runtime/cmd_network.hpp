// `mini-runc network`: managed networks' definitions in the network directory
// (--network-dir, netdef/network_store.hpp). One file per subcommand
// (cmd_network_create.cpp, ...); the containers on a network are the network service's.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "netdef/network_store.hpp"
#include "runtime/cli.hpp"

namespace mr::runtime {

Command add_network_create_command(CLI::App& network, const GlobalOptions& g);
Command add_network_ls_command(CLI::App& network, const GlobalOptions& g);
Command add_network_inspect_command(CLI::App& network, const GlobalOptions& g);
Command add_network_rm_command(CLI::App& network, const GlobalOptions& g);
Command add_network_prune_command(CLI::App& network, const GlobalOptions& g);
Command add_network_reload_command(CLI::App& network, const GlobalOptions& g);

// What `inspect` and `ls --format json` print of a network: the stored form and "file".
nlohmann::ordered_json network_json_with_file(const netdef::NetworkDef& def);

// Logs `e` as `command: ...`, or as it is when it names a place in a file: then it is
// the one line "FILE:/pointer: what was expected" the network spec's problems are too.
// Returns exit status 1.
inline int report_network(Error e, std::string_view command) {
  return report(e.file.empty() ? std::move(e).wrap(command) : std::move(e));
}

inline netdef::NetworkStore network_store(const GlobalOptions& g) { return netdef::NetworkStore(g.network_dir); }

}  // namespace mr::runtime
