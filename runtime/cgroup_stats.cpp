#include "runtime/cgroup_stats.hpp"

#include <unistd.h>

#include <sstream>

namespace mr::runtime {

using nlohmann::json;

namespace {

// A number file ("max" and a missing file read as 0, as runc reports an unlimited value).
uint64_t number(const std::string& dir, const std::string& file) {
  auto text = read_cgroup_file(dir, file);
  if (!text) return 0;
  try {
    return std::stoull(*text);
  } catch (...) {
    return 0;
  }
}

// "key value" lines (memory.stat, cpu.stat, cpuacct.stat).
std::map<std::string, uint64_t> keyed(const std::string& dir, const std::string& file) {
  std::map<std::string, uint64_t> out;
  auto text = read_cgroup_file(dir, file);
  if (!text) return out;
  std::istringstream in(*text);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) out[key] = value;
  return out;
}

json cpu_stats(const ContainerCgroups& cg) {
  json cpu = {{"usage", {{"total", 0}, {"percpu", json::array()}, {"kernel", 0}, {"user", 0}}},
              {"throttling", {{"periods", 0}, {"throttledPeriods", 0}, {"throttledTime", 0}}}};
  if (std::string acct = cg.dir("cpuacct"); !acct.empty()) {
    cpu["usage"]["total"] = number(acct, "cpuacct.usage");
    std::istringstream per(read_cgroup_file(acct, "cpuacct.usage_percpu").value_or(""));
    for (uint64_t v; per >> v;) cpu["usage"]["percpu"].push_back(v);
    auto st = keyed(acct, "cpuacct.stat");  // clock ticks
    uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    cpu["usage"]["kernel"] = st["system"] * ns_per_tick;
    cpu["usage"]["user"] = st["user"] * ns_per_tick;
  }
  std::string cpu_dir = cg.dir("cpu");
  if (cpu_dir.empty()) {
    auto u = cg.dir("unified");
    auto st = keyed(u, "cpu.stat");  // microseconds
    cpu["usage"]["total"] = st["usage_usec"] * 1000;
    cpu["usage"]["kernel"] = st["system_usec"] * 1000;
    cpu["usage"]["user"] = st["user_usec"] * 1000;
    cpu["throttling"] = {{"periods", st["nr_periods"]}, {"throttledPeriods", st["nr_throttled"]},
                         {"throttledTime", st["throttled_usec"] * 1000}};
  } else {
    auto st = keyed(cpu_dir, "cpu.stat");
    cpu["throttling"] = {{"periods", st["nr_periods"]}, {"throttledPeriods", st["nr_throttled"]},
                         {"throttledTime", st["throttled_time"]}};
  }
  return cpu;
}

json memory_stats(const ContainerCgroups& cg) {
  json mem;
  if (std::string d = cg.dir("memory"); !d.empty()) {
    auto entry = [&](const std::string& prefix) {
      return json{{"usage", number(d, prefix + ".usage_in_bytes")}, {"max", number(d, prefix + ".max_usage_in_bytes")},
                  {"failcnt", number(d, prefix + ".failcnt")}, {"limit", number(d, prefix + ".limit_in_bytes")}};
    };
    mem["usage"] = entry("memory");
    mem["swap"] = entry("memory.memsw");
    mem["kernel"] = entry("memory.kmem");
    mem["raw"] = keyed(d, "memory.stat");
    return mem;
  }
  std::string u = cg.dir("unified");
  mem["usage"] = {{"usage", number(u, "memory.current")}, {"max", number(u, "memory.peak")}, {"failcnt", 0},
                  {"limit", number(u, "memory.max")}};
  mem["swap"] = {{"usage", number(u, "memory.swap.current")}, {"limit", number(u, "memory.swap.max")}};
  mem["raw"] = keyed(u, "memory.stat");
  return mem;
}

json blkio_stats(const ContainerCgroups& cg) {
  json out = {{"ioServiceBytesRecursive", json::array()}, {"ioServicedRecursive", json::array()}};
  std::string d = cg.dir("blkio");
  if (d.empty()) return out;
  // "8:0 Read 4096" lines.
  auto entries = [&](const std::string& file) {
    json a = json::array();
    std::istringstream in(read_cgroup_file(d, file).value_or(""));
    for (std::string line; std::getline(in, line);) {
      std::istringstream l(line);
      std::string dev, op;
      uint64_t value = 0;
      if (!(l >> dev >> op >> value) || dev.find(':') == std::string::npos) continue;
      a.push_back({{"major", std::stoull(dev.substr(0, dev.find(':')))},
                   {"minor", std::stoull(dev.substr(dev.find(':') + 1))}, {"op", op}, {"value", value}});
    }
    return a;
  };
  out["ioServiceBytesRecursive"] = entries("blkio.throttle.io_service_bytes_recursive");
  out["ioServicedRecursive"] = entries("blkio.throttle.io_serviced_recursive");
  return out;
}

json hugetlb_stats(const ContainerCgroups& cg) {
  json out = json::object();
  std::string d = cg.dir("hugetlb");
  bool v2 = d.empty();
  if (v2) d = cg.dir("unified");
  if (d.empty()) return out;
  // The page sizes the cgroup has files for: hugetlb.SIZE.current (v2) or .usage_in_bytes (v1).
  for (const char* size : {"64KB", "2MB", "32MB", "1GB", "16GB"}) {
    std::string base = std::string("hugetlb.") + size;
    if (::access((d + "/" + base + (v2 ? ".current" : ".usage_in_bytes")).c_str(), F_OK) != 0) continue;
    out[size] = v2 ? json{{"usage", number(d, base + ".current")}, {"failcnt", keyed(d, base + ".events")["max"]}}
                   : json{{"usage", number(d, base + ".usage_in_bytes")}, {"max", number(d, base + ".max_usage_in_bytes")},
                          {"failcnt", number(d, base + ".failcnt")}};
  }
  return out;
}

}  // namespace

json cgroup_stats(const ContainerCgroups& cg) {
  std::string pids = cg.dir("pids");
  if (pids.empty()) pids = cg.dir("unified");
  return {{"cpu", cpu_stats(cg)},
          {"memory", memory_stats(cg)},
          {"pids", {{"current", number(pids, "pids.current")}, {"limit", number(pids, "pids.max")}}},
          {"blkio", blkio_stats(cg)},
          {"hugetlb", hugetlb_stats(cg)}};
}

}  // namespace mr::runtime
