#include "oci/default_config.hpp"
#include "runtime/cli.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

Command add_spec_command(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("spec", "write a default config.json into the bundle directory");
  auto bundle = std::make_shared<std::string>(".");
  sub->add_option("-b,--bundle", *bundle, "where to write config.json (default: the current directory)");
  return {sub, [bundle] {
            std::string path = *bundle + "/config.json";
            if (::access(path.c_str(), F_OK) == 0)
              return report(netns::sys_error(EEXIST, "write " + path));
            if (auto r = write_file_atomic(path, oci::default_config_json(), 0644); !r) return report(r.error());
            return 0;
          }};
}

}  // namespace mr::runtime
