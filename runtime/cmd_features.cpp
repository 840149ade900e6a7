#include <iostream>

#include "runtime/cli.hpp"
#include "runtime/features.hpp"

namespace mr::runtime {

Command add_features_command(CLI::App& app, const GlobalOptions&) {
  auto* sub = app.add_subcommand("features", "print the runtime-spec features document (what this runtime implements)");
  return {sub, [] {
            std::cout << features_document().dump(4) << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
