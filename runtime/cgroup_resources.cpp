#include "runtime/cgroup_resources.hpp"

#include <optional>

namespace mr::runtime {

using nlohmann::json;

Error resource_error(std::string pointer, std::string what) {
  Error e;
  e.file = "config.json";
  e.pointer = std::move(pointer);
  e.context = std::move(what);
  return e;
}

namespace {

constexpr const char* kRes = "/linux/resources";

class Planner {
 public:
  Planner(const CgroupHost& host, ResourcePlan& plan) : host_(host), plan_(plan) {}

  // The hierarchy of `controller`, or an error naming the setting that needs it.
  Result<const Hierarchy*> need(const std::string& controller, const std::string& ptr) {
    const Hierarchy* h = host_.holding(controller);
    if (!h)
      return std::unexpected(resource_error(ptr, "this host has no " + controller +
                                                     " cgroup controller mounted, so the limit cannot be enforced"));
    return h;
  }
  void write(const Hierarchy& h, std::string file, std::string value, std::string ptr) {
    plan_.writes.push_back({h.key, std::move(file), std::move(value), std::move(ptr)});
  }

  Result<void> memory(const json& m) {
    std::string ptr = std::string(kRes) + "/memory";
    auto* h = MR_TRY_VALUE(need("memory", ptr));
    bool v2 = h->version == 2;
    auto get = [&](const char* key) -> Result<std::optional<int64_t>> {
      if (!m.contains(key) || m.at(key).is_null()) return std::nullopt;
      if (!m.at(key).is_number_integer())
        return std::unexpected(resource_error(ptr + "/" + key, "expected an integer"));
      int64_t v = m.at(key).get<int64_t>();
      if (v < -1) return std::unexpected(resource_error(ptr + "/" + key, "expected -1 (unlimited) or a byte count"));
      return v;
    };
    auto limit = MR_TRY_VALUE(get("limit"));
    auto reservation = MR_TRY_VALUE(get("reservation"));
    auto swap = MR_TRY_VALUE(get("swap"));
    auto unlimited = [&](int64_t v) { return v == -1 ? std::string(v2 ? "max" : "-1") : std::to_string(v); };
    if (limit && swap && *limit > 0 && *swap > 0 && *swap < *limit)
      return std::unexpected(resource_error(ptr + "/swap", "memory+swap (" + std::to_string(*swap) +
                                                              ") must not be below the memory limit (" +
                                                              std::to_string(*limit) + ")"));
    // 0 is "not set" for runc.
    if (limit && *limit != 0) write(*h, v2 ? "memory.max" : "memory.limit_in_bytes", unlimited(*limit), ptr + "/limit");
    if (swap && *swap != 0) {
      if (!v2) {
        write(*h, "memory.memsw.limit_in_bytes", unlimited(*swap), ptr + "/swap");
      } else if (*swap == -1) {
        write(*h, "memory.swap.max", "max", ptr + "/swap");
      } else {
        // runtime-spec's swap is memory+swap; v2 limits swap alone (runc's
        // ConvertMemorySwapToCgroupV2Value).
        if (!limit || *limit <= 0)
          return std::unexpected(resource_error(ptr + "/swap", "on cgroup v2 a memory+swap limit needs memory.limit too"));
        write(*h, "memory.swap.max", std::to_string(*swap - *limit), ptr + "/swap");
      }
    }
    if (reservation && *reservation != 0)
      write(*h, v2 ? "memory.low" : "memory.soft_limit_in_bytes", v2 && *reservation == -1 ? "max" : unlimited(*reservation),
            ptr + "/reservation");
    if (m.contains("swappiness") && !m.at("swappiness").is_null()) {
      auto sw = m.at("swappiness");
      if (!sw.is_number_unsigned() || sw.get<uint64_t>() > 100)
        return std::unexpected(resource_error(ptr + "/swappiness", "expected 0 to 100"));
      if (v2)
        return std::unexpected(resource_error(ptr + "/swappiness", "cgroup v2 has no per-cgroup swappiness"));
      write(*h, "memory.swappiness", std::to_string(sw.get<uint64_t>()), ptr + "/swappiness");
    }
    if (m.value("disableOOMKiller", false)) {
      if (v2)
        return std::unexpected(resource_error(ptr + "/disableOOMKiller", "cgroup v2 cannot disable the OOM killer"));
      write(*h, "memory.oom_control", "1", ptr + "/disableOOMKiller");
    }
    // Kernel memory limits: deprecated in Linux 5.4, gone from v2; runc ignores them.
    if (m.contains("kernel"))
      plan_.warnings.push_back("config.json:" + ptr + "/kernel: kernel memory limits are ignored (deprecated by the kernel, as runc ignores them)");
    if (m.contains("kernelTCP"))
      plan_.warnings.push_back("config.json:" + ptr + "/kernelTCP: kernel TCP memory limits are ignored (deprecated by the kernel, as runc ignores them)");
    return {};
  }

  Result<void> pids(const json& p) {
    std::string ptr = std::string(kRes) + "/pids";
    if (!p.contains("limit") || !p.at("limit").is_number_integer())
      return std::unexpected(resource_error(ptr + "/limit", "expected an integer"));
    auto* h = MR_TRY_VALUE(need("pids", ptr));
    int64_t limit = p.at("limit").get<int64_t>();
    if (limit == 0) return {};  // runc: unset
    write(*h, "pids.max", limit < 0 ? "max" : std::to_string(limit), ptr + "/limit");
    return {};
  }

  Result<void> cpu(const json& c) {
    std::string ptr = std::string(kRes) + "/cpu";
    auto uint_of = [&](const char* key) -> Result<std::optional<uint64_t>> {
      if (!c.contains(key) || c.at(key).is_null()) return std::nullopt;
      if (!c.at(key).is_number_unsigned())
        return std::unexpected(resource_error(ptr + "/" + key, "expected a non-negative integer"));
      return c.at(key).get<uint64_t>();
    };
    auto int_of = [&](const char* key) -> Result<std::optional<int64_t>> {
      if (!c.contains(key) || c.at(key).is_null()) return std::nullopt;
      if (!c.at(key).is_number_integer()) return std::unexpected(resource_error(ptr + "/" + key, "expected an integer"));
      return c.at(key).get<int64_t>();
    };
    auto shares = MR_TRY_VALUE(uint_of("shares"));
    auto quota = MR_TRY_VALUE(int_of("quota"));
    auto period = MR_TRY_VALUE(uint_of("period"));
    auto rt_runtime = MR_TRY_VALUE(int_of("realtimeRuntime"));
    auto rt_period = MR_TRY_VALUE(uint_of("realtimePeriod"));
    auto idle = MR_TRY_VALUE(int_of("idle"));
    if (quota && *quota < -1) return std::unexpected(resource_error(ptr + "/quota", "expected -1 (unlimited) or microseconds"));
    if (shares && *shares != 0 && (*shares < 2 || *shares > 262144))
      return std::unexpected(resource_error(ptr + "/shares", "expected 2 to 262144"));
    if (idle && *idle != 0 && *idle != 1) return std::unexpected(resource_error(ptr + "/idle", "expected 0 or 1"));
    bool any_cpu = (shares && *shares) || (quota && *quota) || (period && *period) || rt_runtime || rt_period || idle;
    if (any_cpu) {
      auto* h = MR_TRY_VALUE(need("cpu", ptr));
      if (h->version == 1) {
        if (shares && *shares) write(*h, "cpu.shares", std::to_string(*shares), ptr + "/shares");
        if (period && *period) write(*h, "cpu.cfs_period_us", std::to_string(*period), ptr + "/period");
        if (quota && *quota) write(*h, "cpu.cfs_quota_us", std::to_string(*quota), ptr + "/quota");
        if (rt_period && *rt_period) write(*h, "cpu.rt_period_us", std::to_string(*rt_period), ptr + "/realtimePeriod");
        if (rt_runtime && *rt_runtime) write(*h, "cpu.rt_runtime_us", std::to_string(*rt_runtime), ptr + "/realtimeRuntime");
        if (idle) return std::unexpected(resource_error(ptr + "/idle", "cpu.idle exists only on cgroup v2"));
      } else {
        // runc's ConvertCPUSharesToCgroupV2Value.
        if (shares && *shares) write(*h, "cpu.weight", std::to_string(1 + ((*shares - 2) * 9999) / 262142), ptr + "/shares");
        if ((quota && *quota) || (period && *period)) {
          std::string q = !quota || *quota <= 0 ? "max" : std::to_string(*quota);
          write(*h, "cpu.max", q + " " + std::to_string(period && *period ? *period : 100000), ptr + (quota ? "/quota" : "/period"));
        }
        if (rt_runtime || rt_period)
          return std::unexpected(resource_error(ptr + (rt_runtime ? "/realtimeRuntime" : "/realtimePeriod"),
                                                "cgroup v2 has no realtime CPU limits"));
        if (idle) write(*h, "cpu.idle", std::to_string(*idle), ptr + "/idle");
      }
    }
    for (const char* key : {"cpus", "mems"}) {
      if (!c.contains(key) || c.at(key).is_null()) continue;
      if (!c.at(key).is_string()) return std::unexpected(resource_error(ptr + "/" + key, "expected a string"));
      std::string v = c.at(key).get<std::string>();
      if (v.empty()) continue;
      if (v.find_first_not_of("0123456789,-") != std::string::npos)
        return std::unexpected(resource_error(ptr + "/" + key, "expected a list such as \"0-2,4\" (got \"" + v + "\")"));
      auto* h = MR_TRY_VALUE(need("cpuset", ptr + "/" + key));
      write(*h, std::string("cpuset.") + key, v, ptr + "/" + key);
    }
    return {};
  }

  Result<void> block_io(const json& b) {
    std::string ptr = std::string(kRes) + "/blockIO";
    auto* h = MR_TRY_VALUE(need(host_.holding("blkio") ? "blkio" : "io", ptr));
    bool v2 = h->version == 2;
    auto weight_of = [&](const json& j, const char* key, const std::string& p) -> Result<std::optional<uint64_t>> {
      if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
      if (!j.at(key).is_number_unsigned() || j.at(key).get<uint64_t>() > 1000 ||
          (j.at(key).get<uint64_t>() != 0 && j.at(key).get<uint64_t>() < 10))
        return std::unexpected(resource_error(p + "/" + key, "expected 10 to 1000"));
      if (j.at(key).get<uint64_t>() == 0) return std::nullopt;
      return j.at(key).get<uint64_t>();
    };
    auto v2_weight = [](uint64_t w) { return std::to_string(1 + (w - 10) * 9999 / 990); };
    if (auto w = MR_TRY_VALUE(weight_of(b, "weight", ptr))) {
      if (v2) write(*h, "io.bfq.weight|io.weight", "default " + v2_weight(*w), ptr + "/weight");
      else write(*h, "blkio.bfq.weight|blkio.weight", std::to_string(*w), ptr + "/weight");
    }
    if (auto w = MR_TRY_VALUE(weight_of(b, "leafWeight", ptr))) {
      if (v2) return std::unexpected(resource_error(ptr + "/leafWeight", "cgroup v2 has no leaf weight"));
      write(*h, "blkio.leaf_weight", std::to_string(*w), ptr + "/leafWeight");
    }
    auto device = [&](const json& d, const std::string& p) -> Result<std::string> {
      for (const char* key : {"major", "minor"})
        if (!d.contains(key) || !d.at(key).is_number_unsigned())
          return std::unexpected(resource_error(p + "/" + key, "expected a device number"));
      return std::to_string(d.at("major").get<uint64_t>()) + ":" + std::to_string(d.at("minor").get<uint64_t>());
    };
    if (b.contains("weightDevice")) {
      for (std::size_t i = 0; i < b.at("weightDevice").size(); ++i) {
        std::string p = ptr + "/weightDevice/" + std::to_string(i);
        const json& d = b.at("weightDevice")[i];
        std::string dev = MR_TRY_VALUE(device(d, p));
        if (auto w = MR_TRY_VALUE(weight_of(d, "weight", p))) {
          if (v2) write(*h, "io.bfq.weight|io.weight", dev + " " + v2_weight(*w), p + "/weight");
          else write(*h, "blkio.bfq.weight_device|blkio.weight_device", dev + " " + std::to_string(*w), p + "/weight");
        }
        if (auto w = MR_TRY_VALUE(weight_of(d, "leafWeight", p))) {
          if (v2) return std::unexpected(resource_error(p + "/leafWeight", "cgroup v2 has no leaf weight"));
          write(*h, "blkio.leaf_weight_device", dev + " " + std::to_string(*w), p + "/leafWeight");
        }
      }
    }
    struct Throttle {
      const char* key;
      const char* v1_file;
      const char* v2_key;
    };
    for (auto t : {Throttle{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps"},
                   Throttle{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps"},
                   Throttle{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops"},
                   Throttle{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops"}}) {
      if (!b.contains(t.key)) continue;
      for (std::size_t i = 0; i < b.at(t.key).size(); ++i) {
        std::string p = ptr + "/" + t.key + "/" + std::to_string(i);
        const json& d = b.at(t.key)[i];
        std::string dev = MR_TRY_VALUE(device(d, p));
        if (!d.contains("rate") || !d.at("rate").is_number_unsigned())
          return std::unexpected(resource_error(p + "/rate", "expected a non-negative integer"));
        std::string rate = std::to_string(d.at("rate").get<uint64_t>());
        if (v2) write(*h, "io.max", dev + " " + t.v2_key + "=" + (rate == "0" ? "max" : rate), p + "/rate");
        else write(*h, t.v1_file, dev + " " + rate, p + "/rate");
      }
    }
    return {};
  }

  Result<void> devices(const json* rules, bool defaults) {
    std::string ptr = std::string(kRes) + "/devices";
    const Hierarchy* h = host_.holding("devices");
    if (!h || h->version == 2) {
      if (rules && !rules->empty())
        return std::unexpected(resource_error(
            ptr, h ? "device rules on cgroup v2 need an eBPF device program, which mini-runc does not load"
                   : "this host has no devices cgroup controller mounted, so device rules cannot be enforced"));
      return {};
    }
    if (!rules && !defaults) return {};
    if (defaults) write(*h, "devices.deny", "a", ptr);
    if (rules) {
      for (std::size_t i = 0; i < rules->size(); ++i) {
        std::string p = ptr + "/" + std::to_string(i);
        const json& r = (*rules)[i];
        if (!r.contains("allow") || !r.at("allow").is_boolean())
          return std::unexpected(resource_error(p + "/allow", "expected true or false"));
        std::string type = r.value("type", "a");
        if (type != "a" && type != "b" && type != "c")
          return std::unexpected(resource_error(p + "/type", "expected \"a\", \"b\" or \"c\""));
        auto number = [&](const char* key) -> Result<std::string> {
          if (!r.contains(key) || r.at(key).is_null() || (r.at(key).is_number_integer() && r.at(key).get<int64_t>() == -1))
            return std::string("*");
          if (!r.at(key).is_number_unsigned())
            return std::unexpected(resource_error(p + "/" + key, "expected a device number or -1"));
          return std::to_string(r.at(key).get<uint64_t>());
        };
        std::string major = MR_TRY_VALUE(number("major"));
        std::string minor = MR_TRY_VALUE(number("minor"));
        std::string access = r.value("access", "rwm");
        if (access.empty() || access.find_first_not_of("rwm") != std::string::npos)
          return std::unexpected(resource_error(p + "/access", "expected letters of \"rwm\""));
        std::string rule = type == "a" ? "a" : type + " " + major + ":" + minor + " " + access;
        write(*h, r.at("allow").get<bool>() ? "devices.allow" : "devices.deny", rule, p);
      }
    }
    // runc's AllowedDevices (libcontainer/specconv), after the spec's rules.
    if (defaults)
      for (const char* rule : {"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm",
                               "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm"})
        write(*h, "devices.allow", rule, ptr);
    return {};
  }

  Result<void> hugepages(const json& list) {
    std::string ptr = std::string(kRes) + "/hugepageLimits";
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string p = ptr + "/" + std::to_string(i);
      const json& l = list[i];
      if (!l.contains("pageSize") || !l.at("pageSize").is_string())
        return std::unexpected(resource_error(p + "/pageSize", "expected a page size such as \"2MB\""));
      std::string size = l.at("pageSize").get<std::string>();
      if (size.empty() || size.find_first_not_of("0123456789KMGB") != std::string::npos || !size.ends_with("B"))
        return std::unexpected(resource_error(p + "/pageSize", "expected a page size such as \"2MB\" (got \"" + size + "\")"));
      if (!l.contains("limit") || !l.at("limit").is_number_unsigned())
        return std::unexpected(resource_error(p + "/limit", "expected a byte count"));
      auto* h = MR_TRY_VALUE(need("hugetlb", p));
      write(*h, "hugetlb." + size + (h->version == 2 ? ".max" : ".limit_in_bytes"),
            std::to_string(l.at("limit").get<uint64_t>()), p + "/limit");
    }
    return {};
  }

  Result<void> network(const json& n) {
    std::string ptr = std::string(kRes) + "/network";
    if (n.contains("classID")) {
      if (!n.at("classID").is_number_unsigned())
        return std::unexpected(resource_error(ptr + "/classID", "expected a non-negative integer"));
      auto* h = MR_TRY_VALUE(need("net_cls", ptr + "/classID"));
      write(*h, "net_cls.classid", std::to_string(n.at("classID").get<uint64_t>()), ptr + "/classID");
    }
    if (n.contains("priorities")) {
      for (std::size_t i = 0; i < n.at("priorities").size(); ++i) {
        std::string p = ptr + "/priorities/" + std::to_string(i);
        const json& e = n.at("priorities")[i];
        if (!e.contains("name") || !e.at("name").is_string() || !e.contains("priority") ||
            !e.at("priority").is_number_unsigned())
          return std::unexpected(resource_error(p, "expected {\"name\": interface, \"priority\": number}"));
        auto* h = MR_TRY_VALUE(need("net_prio", p));
        write(*h, "net_prio.ifpriomap",
              e.at("name").get<std::string>() + " " + std::to_string(e.at("priority").get<uint64_t>()), p);
      }
    }
    return {};
  }

  Result<void> unified(const json& u) {
    std::string ptr = std::string(kRes) + "/unified";
    if (host_.layout != CgroupLayout::unified)
      return std::unexpected(resource_error(ptr, std::string("needs cgroup v2; this host is ") + to_string(host_.layout)));
    const Hierarchy* h = host_.by_key("unified");
    for (const auto& [key, value] : u.items()) {
      std::string p = ptr + "/" + key;
      if (key.empty() || key.find('/') != std::string::npos || key.find('.') == std::string::npos || key.starts_with("."))
        return std::unexpected(resource_error(p, "expected a cgroup file name such as \"memory.high\""));
      if (!value.is_string()) return std::unexpected(resource_error(p, "expected a string"));
      write(*h, key, value.get<std::string>(), p);
    }
    return {};
  }

 private:
  const CgroupHost& host_;
  ResourcePlan& plan_;
};

}  // namespace

Result<ResourcePlan> plan_resources(const json& r, const CgroupHost& host, bool default_devices) {
  ResourcePlan plan;
  Planner p(host, plan);
  try {
    if (!r.is_null() && !r.is_object()) return std::unexpected(resource_error(kRes, "expected an object"));
    auto has = [&](const char* key) { return r.is_object() && r.contains(key) && !r.at(key).is_null(); };
    // cpuset first: a v1 cpuset cgroup takes no task until cpus and mems are set.
    if (has("cpu")) MR_TRY(p.cpu(r.at("cpu")));
    if (has("memory")) MR_TRY(p.memory(r.at("memory")));
    if (has("pids")) MR_TRY(p.pids(r.at("pids")));
    if (has("blockIO")) MR_TRY(p.block_io(r.at("blockIO")));
    MR_TRY(p.devices(has("devices") ? &r.at("devices") : nullptr, default_devices));
    if (has("hugepageLimits")) MR_TRY(p.hugepages(r.at("hugepageLimits")));
    if (has("network")) MR_TRY(p.network(r.at("network")));
    if (has("unified")) MR_TRY(p.unified(r.at("unified")));
    if (has("rdma"))
      return std::unexpected(resource_error(std::string(kRes) + "/rdma", "rdma limits are not supported"));
  } catch (const json::exception& e) {
    return std::unexpected(resource_error(kRes, std::string("unexpected value: ") + e.what()));
  }
  return plan;
}

}  // namespace mr::runtime
