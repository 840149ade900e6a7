#include "oci/default_config.hpp"
#include "netspec/network_examples.hpp"
#include "runtime/cli.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

namespace {

Result<void> write_new(const std::string& path, const std::string& content) {
  if (::access(path.c_str(), F_OK) == 0) return fail(EEXIST, "write " + path);
  return write_file_atomic(path, content, 0644);
}

}  // namespace

Command add_spec_command(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("spec", "write a default config.json (or an example network.json) into the bundle");
  auto bundle = std::make_shared<std::string>(".");
  auto network = std::make_shared<std::string>();
  auto config = std::make_shared<oci::DefaultConfigOptions>();
  sub->add_option("-b,--bundle", *bundle, "where to write config.json (default: the current directory)");
  auto* net = sub->add_option("--network", *network, "write network.json for a case instead: move, expose or veth-bridge")
                  ->check(CLI::IsMember({"move", "expose", "veth-bridge"}));
  sub->add_flag("--net-admin", config->net_admin,
                "give the process CAP_NET_ADMIN and CAP_NET_RAW, to configure its network from inside (ip, ping)")
      ->excludes(net);
  return {sub, [bundle, network, config] {
            Result<void> r;
            if (network->empty()) {
              r = write_new(*bundle + "/config.json", oci::default_config_json(*config));
            } else {
              auto kind = netspec::parse_example_kind(*network);
              r = kind ? write_new(*bundle + "/network.json", netspec::example_network_spec(*kind))
                       : Result<void>(std::unexpected(kind.error()));
            }
            return r ? 0 : report(r.error());
          }};
}

}  // namespace mr::runtime
