// update: runc's flags (or -r FILE|- with a linux.resources JSON) written to a running
// container's cgroups, checked as create checks linux.resources.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>

#include "runtime/cgroup_manager.hpp"
#include "runtime/cli.hpp"
#include "runtime/container.hpp"

namespace mr::runtime {

namespace {

struct UpdateFlags {
  std::string id;
  std::string resources_file;
  std::optional<int64_t> memory, memory_swap, memory_reservation, pids_limit, cpu_quota;
  std::optional<uint64_t> cpu_shares, cpu_period, blkio_weight;
  std::optional<std::string> cpuset_cpus, cpuset_mems;
};

Result<nlohmann::json> resources_of(const UpdateFlags& f) {
  using nlohmann::json;
  if (!f.resources_file.empty()) {
    std::string text;
    if (f.resources_file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(f.resources_file);
      if (!in) return fail(errno, "open " + f.resources_file);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(EINVAL, f.resources_file + ": expected a JSON object (linux.resources)");
    return j;
  }
  json r = json::object();
  if (f.memory) r["memory"]["limit"] = *f.memory;
  if (f.memory_swap) r["memory"]["swap"] = *f.memory_swap;
  if (f.memory_reservation) r["memory"]["reservation"] = *f.memory_reservation;
  if (f.pids_limit) r["pids"]["limit"] = *f.pids_limit;
  if (f.cpu_shares) r["cpu"]["shares"] = *f.cpu_shares;
  if (f.cpu_quota) r["cpu"]["quota"] = *f.cpu_quota;
  if (f.cpu_period) r["cpu"]["period"] = *f.cpu_period;
  if (f.cpuset_cpus) r["cpu"]["cpus"] = *f.cpuset_cpus;
  if (f.cpuset_mems) r["cpu"]["mems"] = *f.cpuset_mems;
  if (f.blkio_weight) r["blockIO"]["weight"] = *f.blkio_weight;
  return r;
}

}  // namespace

Command add_update_command(CLI::App& app, const GlobalOptions& g) {
  auto* sub = app.add_subcommand("update", "change the resource limits of a running container");
  auto f = std::make_shared<UpdateFlags>();
  sub->add_option("container-id", f->id)->required();
  sub->add_option("-r,--resources", f->resources_file, "a linux.resources JSON file, or - for stdin");
  sub->add_option("--memory", f->memory, "memory limit in bytes");
  sub->add_option("--memory-swap", f->memory_swap, "memory+swap limit in bytes");
  sub->add_option("--memory-reservation", f->memory_reservation, "memory soft limit in bytes");
  sub->add_option("--pids-limit", f->pids_limit, "maximum number of pids");
  sub->add_option("--cpu-shares", f->cpu_shares, "relative CPU weight");
  sub->add_option("--cpu-quota", f->cpu_quota, "CFS quota in microseconds per period");
  sub->add_option("--cpu-period", f->cpu_period, "CFS period in microseconds");
  sub->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs allowed (0-3, 0,1)");
  sub->add_option("--cpuset-mems", f->cpuset_mems, "memory nodes allowed");
  sub->add_option("--blkio-weight", f->blkio_weight, "block I/O weight (10 to 1000)");
  return {sub, [&g, f] {
            auto c = load_container(g, f->id);
            if (!c) return report(c.error());
            auto r = resources_of(*f);
            if (!r) return report(r.error());
            if (auto u = update_container(c->dir, c->state, *r); !u) return report(u.error());
            return 0;
          }};
}

}  // namespace mr::runtime
