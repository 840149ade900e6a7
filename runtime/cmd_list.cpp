#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "oci/container_id.hpp"
#include "runtime/cli.hpp"
#include "base/log.hpp"

namespace mr::runtime {

namespace {

// A directory without state.json: a create under way holds its lock; otherwise its
// create died before saving a state, and `delete --force` or `cleanup` removes it.
Status stateless_status(const StateDir& dir) {
  auto lock = lock_state_dir(dir, false);
  return !lock && lock.error().err == EWOULDBLOCK ? Status::creating : Status::stopped;
}

}  // namespace

Command add_list_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("list", "list the containers under --root");
  auto format = std::make_shared<std::string>("table");
  auto quiet = std::make_shared<bool>(false);
  sub->add_option("-f,--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_flag("-q,--quiet", *quiet, "print only the ids");
  return {sub, [&g, format, quiet] {
            auto ids = list_containers(g.root);
            if (!ids) return report(ids.error());
            nlohmann::json all = nlohmann::json::array();
            if (*format == "table" && !*quiet) std::printf("%-24s %-8s %-10s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
            for (const auto& id : *ids) {
              if (auto ok = oci::check_container_id(id); !ok) {
                log_warn(std::move(ok).error().wrap("not listed: " + g.root));
                continue;
              }
              StateDir dir{g.root, id};
              auto st = load_state(dir);
              if (!st && st.error().err != ENOENT) {
                log_warn(std::move(st).error().wrap("not listed"));
                continue;
              }
              bool stateless = !st;
              if (stateless) {
                struct stat sb{};
                if (::lstat(dir.path().c_str(), &sb) != 0) continue;  // removed since it was listed
                st = State{.id = id};
              }
              Status status = stateless ? stateless_status(dir) : current_status(dir, *st);
              pid_t pid = status == Status::stopped ? 0 : st->pid;
              if (*quiet) {
                std::cout << id << "\n";
              } else if (*format == "json") {
                all.push_back({{"ociVersion", kOciVersion}, {"id", id}, {"pid", pid}, {"status", to_string(status)},
                               {"bundle", st->bundle}, {"created", st->created}, {"annotations", st->annotations}});
              } else {
                std::printf("%-24s %-8d %-10s %-32s %s\n", id.c_str(), pid, to_string(status), st->bundle.c_str(),
                            st->created.c_str());
              }
            }
            if (*format == "json" && !*quiet) std::cout << all.dump() << "\n";
            return 0;
          }};
}

}  // namespace mr::runtime
