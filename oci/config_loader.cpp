#include "oci/config_loader.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "netns/ip.hpp"
#include "oci/capability_names.hpp"
#include "oci/id_mapping.hpp"
#include "oci/id_mappings.hpp"
#include "oci/json_input.hpp"
#include "oci/schema.hpp"
#include "oci/seccomp_config.hpp"
#include "oci/sysctl_name.hpp"

namespace mr::oci {

using nlohmann::json;

namespace {
constexpr std::array<std::string_view, 7> kSupportedNamespaces = {"network", "mount", "pid", "uts", "ipc", "cgroup", "user"};
}  // namespace

std::span<const std::string_view> supported_namespaces() { return kSupportedNamespaces; }

bool is_supported_namespace(std::string_view type) {
  return std::find(kSupportedNamespaces.begin(), kSupportedNamespaces.end(), type) != kSupportedNamespaces.end();
}

namespace {

// Runtime-spec fields mini-runc knows but does not implement, and why ignoring each
// would be wrong. Checked by presence only, so they are reported even when the schema
// finds other problems.
struct Unsupported {
  std::string_view pointer;
  std::string_view why;
};
// A plain array sized by its entries: a fixed size left larger than the list would add
// an empty entry, whose pointer "" names the whole document.
constexpr Unsupported kRefused[] = {
    {"/process/apparmorProfile", "an AppArmor profile is not applied; ignoring it would weaken isolation"},
    {"/process/selinuxLabel", "an SELinux label is not applied; ignoring it would weaken isolation"},
    {"/linux/mountLabel", "an SELinux mount label is not applied; ignoring it would weaken isolation"},
    {"/linux/personality", "an execution domain is not set; ignoring it would change what runs"},
    {"/process/user/username", "a user name is not resolved; ignoring it would run as a different user"},
    {"/process/commandLine", "commandLine is a Windows field; ignoring it would change what runs"},
};

// Resource limits the runtime does not apply: one warning naming them.
// linux.resources is applied by the runtime's cgroup manager, which refuses what it cannot enforce.
constexpr std::array<std::string_view, 1> kResourcePointers = {"/linux/intelRdt"};

// Fields newer than the packaged schema (runtime-spec 1.1 and later) that change how
// the workload runs and that the runtime does not apply: a warning each, not only the
// --debug note of an unknown property, so that none is dropped in silence.
constexpr std::array<Unsupported, 5> kNotApplied = {{
    {"/process/scheduler", "a scheduling policy is not applied; the process runs with the default one"},
    {"/process/ioPriority", "an I/O priority is not applied; the process runs with the default one"},
    {"/process/execCPUAffinity", "a CPU affinity is not applied; the process may run on any CPU"},
    {"/linux/memoryPolicy", "a NUMA memory policy is not applied; the process runs with the default one"},
    {"/linux/timeOffsets", "time namespace offsets are not applied; the container sees the host's clocks"},
}};

// An integer that fits int64_t; the schema accepts any JSON integer up to 2^64-1.
std::optional<int64_t> as_int64(const json& j) {
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return j.get<int64_t>();
}

const json* at_pointer(const json& doc, std::string_view pointer) {
  const json* cur = &doc;
  size_t pos = 1;
  while (pos <= pointer.size()) {
    size_t next = pointer.find('/', pos);
    std::string key(pointer.substr(pos, next == std::string_view::npos ? pointer.npos : next - pos));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return cur;
}

class ConfigReader {
 public:
  ConfigReader(const std::string& file, Diagnostics& diag, std::vector<Error>& problems)
      : file_(file), diag_(diag), problems_(problems) {}

  void check_policy(const json& doc) {
    for (const auto& u : kRefused)
      if (at_pointer(doc, u.pointer)) problem(std::string(u.pointer), std::string(u.why));
    if (const json* ns = at_pointer(doc, "/linux/namespaces"); ns && ns->is_array()) {
      for (size_t i = 0; i < ns->size(); ++i) {
        const json& entry = (*ns)[i];
        if (!entry.is_object() || !entry.contains("type") || !entry.at("type").is_string()) continue;
        auto type = entry.at("type").get<std::string>();
        if (!is_supported_namespace(type))
          problem(pointer_append(pointer_append("/linux/namespaces", i), "type"),
                  "namespace type \"" + type + "\" is not supported");
      }
    }
    for (const auto& u : kNotApplied)
      if (at_pointer(doc, u.pointer)) diag_.warnings.push_back(input_error(file_, std::string(u.pointer), std::string(u.why)));
    for (auto ptr : kResourcePointers) {
      const json* res = at_pointer(doc, ptr);
      if (!res) continue;
      std::string names;
      if (res->is_object())
        for (const auto& [k, v] : res->items()) names += (names.empty() ? "" : ", ") + k;
      diag_.warnings.push_back(input_error(
          file_, std::string(ptr),
          "resource limits are not applied" + (names.empty() ? std::string() : ": " + names)));
    }
  }

  // Reads what the schema let through. After schema errors, `doc` has the offending
  // values replaced by null, and a section that still cannot be read is skipped: its
  // problem is already reported, and the other sections may have more to report.
  // `whole`: a config to run, which needs a process and a root; else the network part.
  Config read(const json& doc, bool schema_failed, bool whole) {
    Config c;
    schema_failed_ = schema_failed;
    auto section = [this](auto&& read_part) { return guard(read_part); };
    known(doc, "", {"ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks",
                    "annotations", "linux", "solaris", "windows", "vm", "zos"});
    for (const char* other : {"solaris", "windows", "vm", "zos"})
      if (doc.contains(other))
        diag_.notes.push_back(input_error(file_, pointer_append("", other), "ignored on linux"));
    section([&] {
      c.oci_version = doc.at("ociVersion").get<std::string>();
      if (!c.oci_version.starts_with("1."))
        problem("/ociVersion", "expected a runtime-spec version 1.x (got \"" + c.oci_version + "\")");
    });
    if (!doc.contains("process")) {
      if (whole) problem("", "expected a \"process\" object: there is nothing to run without one");
    } else {
      section([&] { c.process = read_process(doc.at("process")); });
    }
    if (!doc.contains("root")) {
      if (whole) problem("", "expected a \"root\" object naming the root filesystem");
    } else {
      section([&] {
        known(doc.at("root"), "/root", {"path", "readonly"});
        c.root.path = doc.at("root").at("path").get<std::string>();
        c.root.readonly = doc.at("root").value("readonly", false);
        if (c.root.path.empty()) problem("/root/path", "expected a non-empty path");
      });
    }
    section([&] { c.hostname = doc.value("hostname", ""); });
    section([&] { c.domainname = doc.value("domainname", ""); });
    if (doc.contains("mounts")) section([&] { c.mounts = read_mounts(doc.at("mounts")); });
    if (doc.contains("hooks")) section([&] { c.hooks = read_hooks(doc.at("hooks")); });
    if (doc.contains("annotations"))
      section([&] { c.annotations = doc.at("annotations").get<std::map<std::string, std::string>>(); });
    bool namespaces_read = true;
    if (doc.contains("linux")) namespaces_read = read_linux(doc.at("linux"), c.linux);
    // Without the namespaces every namespaced setting would look like a host change.
    if (namespaces_read) check_namespaced_settings(c);
    // netns-hook reads the network part alone, without the mappings.
    if (namespaces_read && whole)
      for (auto& p : check_user_namespace(c)) problem(std::move(p.pointer), std::move(p.what));
    return c;
  }

 private:
  // Runs one part of the reading; false if it met a value it could not read.
  template <class Fn>
  bool guard(Fn&& read_part) {
    try {
      read_part();
      return true;
    } catch (const json::exception& e) {
      if (!schema_failed_) problem("", std::string("unexpected value: ") + e.what());
      return false;
    }
  }

  void problem(std::string pointer, std::string what) {
    problems_.push_back(input_error(file_, std::move(pointer), std::move(what)));
  }

  // Unknown properties are ignored (runtime-spec: "implementations MUST ignore
  // unknown properties"), but never without a trace.
  void known(const json& obj, const std::string& pointer, std::initializer_list<std::string_view> keys) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        diag_.notes.push_back(input_error(file_, pointer_append(pointer, k), "unknown property ignored"));
  }

  Process read_process(const json& j) {
    Process p;
    known(j, "/process", {"terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities",
                          "rlimits", "noNewPrivileges", "oomScoreAdj", "apparmorProfile",
                          "selinuxLabel", "commandLine", "scheduler", "ioPriority", "execCPUAffinity"});
    p.terminal = j.value("terminal", false);
    if (j.contains("user")) {
      const json& u = j.at("user");
      known(u, "/process/user", {"uid", "gid", "umask", "additionalGids", "username"});
      p.user.uid = u.value("uid", uint32_t{0});
      p.user.gid = u.value("gid", uint32_t{0});
      if (u.contains("umask")) p.user.umask = u.at("umask").get<uint32_t>();
      if (u.contains("additionalGids")) p.user.additional_gids = u.at("additionalGids").get<std::vector<uint32_t>>();
    }
    if (j.contains("args")) p.args = j.at("args").get<std::vector<std::string>>();
    if (p.args.empty()) problem("/process/args", "expected at least one argument: the program to run");
    if (j.contains("env")) p.env = j.at("env").get<std::vector<std::string>>();
    p.cwd = j.at("cwd").get<std::string>();
    if (!p.cwd.starts_with('/')) problem("/process/cwd", "expected an absolute path (got \"" + p.cwd + "\")");
    if (j.contains("capabilities")) {
      const json& cj = j.at("capabilities");
      known(cj, "/process/capabilities", {"bounding", "effective", "inheritable", "permitted", "ambient"});
      Capabilities caps;
      auto list = [&cj](const char* key) {
        return cj.contains(key) ? cj.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
      };
      caps.bounding = list("bounding");
      caps.effective = list("effective");
      caps.inheritable = list("inheritable");
      caps.permitted = list("permitted");
      caps.ambient = list("ambient");
      check_capabilities(caps);
      p.capabilities = std::move(caps);
    }
    if (j.contains("rlimits")) {
      std::set<std::string> seen;
      for (size_t i = 0; i < j.at("rlimits").size(); ++i) {
        const json& r = j.at("rlimits")[i];
        std::string ptr = pointer_append("/process/rlimits", i);
        known(r, ptr, {"type", "hard", "soft"});
        Rlimit limit{r.at("type").get<std::string>(), r.at("hard").get<uint64_t>(), r.at("soft").get<uint64_t>()};
        if (!seen.insert(limit.type).second) problem(ptr + "/type", "duplicate rlimit " + limit.type);
        if (limit.soft > limit.hard) problem(ptr, "expected soft <= hard for " + limit.type);
        p.rlimits.push_back(std::move(limit));
      }
    }
    p.no_new_privileges = j.value("noNewPrivileges", false);
    if (j.contains("oomScoreAdj")) {
      auto adj = as_int64(j.at("oomScoreAdj"));
      if (!adj || *adj < -1000 || *adj > 1000)
        problem("/process/oomScoreAdj", "expected an integer from -1000 to 1000 (got " + brief(j.at("oomScoreAdj")) + ")");
      else
        p.oom_score_adj = static_cast<int>(*adj);
    }
    return p;
  }

  // A name no capability has is refused where it stands: the init would fail on it
  // after the namespaces were made. An ambient capability the kernel will not raise (not
  // both permitted and inheritable) is left out, as runc does; --debug says which.
  void check_capabilities(const Capabilities& caps) {
    const std::pair<const char*, const std::vector<std::string>*> sets[] = {
        {"bounding", &caps.bounding}, {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
        {"permitted", &caps.permitted}, {"ambient", &caps.ambient}};
    auto has = [](const std::vector<std::string>& set, const std::string& name) {
      return std::find(set.begin(), set.end(), name) != set.end();
    };
    for (auto [key, names] : sets) {
      for (size_t i = 0; i < names->size(); ++i) {
        const std::string& name = (*names)[i];
        std::string ptr = pointer_append(pointer_append("/process/capabilities", key), i);
        if (!capability_number_of(name))
          problem(ptr, "unknown capability \"" + name + "\" (expected a name such as CAP_NET_ADMIN)");
        else if (names == &caps.ambient && !(has(caps.permitted, name) && has(caps.inheritable, name)))
          diag_.notes.push_back(input_error(
              file_, ptr, name + " is not raised: an ambient capability must also be permitted and inheritable"));
      }
    }
  }

  std::vector<Mount> read_mounts(const json& j) {
    std::vector<Mount> out;
    for (size_t i = 0; i < j.size(); ++i) {
      const json& m = j[i];
      std::string ptr = pointer_append("/mounts", i);
      known(m, ptr, {"destination", "type", "source", "options", "uidMappings", "gidMappings"});
      Mount mount;
      mount.destination = m.at("destination").get<std::string>();
      mount.type = m.value("type", "");
      mount.source = m.value("source", "");
      if (m.contains("options")) mount.options = m.at("options").get<std::vector<std::string>>();
      if (!mount.destination.starts_with('/'))
        problem(ptr + "/destination", "expected an absolute path (got \"" + mount.destination + "\")");
      read_mount_idmap(m, ptr, mount);
      out.push_back(std::move(mount));
    }
    return out;
  }

  // uidMappings/gidMappings and the idmap/ridmap options (runtime-spec config.md,
  // "Mounts"); checked as runc checks them (libcontainer/configs/validate: only bind
  // mounts, both mappings). The last of idmap and ridmap counts, as in runc's specconv.
  void read_mount_idmap(const json& m, const std::string& ptr, Mount& mount) {
    std::string option_ptr;
    MountIdmap idmap;
    for (size_t k = 0; k < mount.options.size(); ++k) {
      if (mount.options[k] != "idmap" && mount.options[k] != "ridmap") continue;
      option_ptr = pointer_append(pointer_append(ptr, "options"), k);
      idmap.recursive = mount.options[k] == "ridmap";
    }
    const bool has_uid = m.contains("uidMappings"), has_gid = m.contains("gidMappings");
    if (!has_uid && !has_gid && option_ptr.empty()) return;
    auto sink = [this](std::string pointer, std::string what) { problem(std::move(pointer), std::move(what)); };
    if (has_uid) idmap.uid = read_id_mappings(m.at("uidMappings"), ptr + "/uidMappings", sink);
    if (has_gid) idmap.gid = read_id_mappings(m.at("gidMappings"), ptr + "/gidMappings", sink);
    const bool bind = mount.type == "bind" || std::any_of(mount.options.begin(), mount.options.end(), [](const auto& o) {
                        return o == "bind" || o == "rbind";
                      });
    std::string first = has_uid ? ptr + "/uidMappings" : has_gid ? ptr + "/gidMappings" : option_ptr;
    if (!bind)
      problem(first, "id-mapped mounts are only supported for bind mounts (expected \"bind\" or \"rbind\" in options)");
    else if (has_uid != has_gid)
      problem(first, std::string("expected ") + (has_uid ? "gidMappings" : "uidMappings") +
                         " as well: an id-mapped mount needs both");
    else if (!has_uid)
      problem(option_ptr, "expected uidMappings and gidMappings with this option: taking the container's user "
                          "namespace mappings instead is not supported");
    mount.idmap = std::move(idmap);
  }

  Hooks read_hooks(const json& j) {
    Hooks h;
    known(j, "/hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
    auto list = [&](const char* key, std::vector<Hook>& into) {
      if (!j.contains(key)) return;
      for (size_t i = 0; i < j.at(key).size(); ++i) {
        const json& hj = j.at(key)[i];
        std::string ptr = pointer_append(pointer_append("/hooks", key), i);
        known(hj, ptr, {"path", "args", "env", "timeout"});
        Hook hook;
        hook.path = hj.at("path").get<std::string>();
        if (hj.contains("args")) hook.args = hj.at("args").get<std::vector<std::string>>();
        if (hj.contains("env")) hook.env = hj.at("env").get<std::vector<std::string>>();
        if (hj.contains("timeout")) {
          auto t = as_int64(hj.at("timeout"));
          if (!t || *t > 86400)
            problem(ptr + "/timeout", "expected at most 86400 seconds (got " + brief(hj.at("timeout")) + ")");
          else
            hook.timeout = static_cast<int>(*t);
        }
        if (!hook.path.starts_with('/'))
          problem(ptr + "/path", "expected an absolute path (got \"" + hook.path + "\")");
        into.push_back(std::move(hook));
      }
    };
    list("prestart", h.prestart);
    list("createRuntime", h.create_runtime);
    list("createContainer", h.create_container);
    list("startContainer", h.start_container);
    list("poststart", h.poststart);
    list("poststop", h.poststop);
    return h;
  }

  // Returns whether linux.namespaces could be read.
  bool read_linux(const json& j, Linux& l) {
    known(j, "/linux", {"devices", "uidMappings", "gidMappings", "namespaces", "resources", "cgroupsPath",
                        "rootfsPropagation", "seccomp", "sysctl", "maskedPaths", "readonlyPaths",
                        "mountLabel", "intelRdt", "personality", "netDevices", "memoryPolicy", "timeOffsets"});
    bool namespaces_read = !j.contains("namespaces") || guard([&] {
      std::set<std::string> seen;
      for (size_t i = 0; i < j.at("namespaces").size(); ++i) {
        const json& n = j.at("namespaces")[i];
        std::string ptr = pointer_append("/linux/namespaces", i);
        known(n, ptr, {"type", "path"});
        Namespace ns{n.at("type").get<std::string>(), n.value("path", "")};
        if (!seen.insert(ns.type).second) problem(ptr + "/type", "duplicate namespace type \"" + ns.type + "\"");
        if (!ns.path.empty() && !ns.path.starts_with('/'))
          problem(ptr + "/path", "expected an absolute path (got \"" + ns.path + "\")");
        l.namespaces.push_back(std::move(ns));
      }
    });
    for (auto [key, into] : {std::pair{"uidMappings", &l.uid_mappings}, std::pair{"gidMappings", &l.gid_mappings}}) {
      if (!j.contains(key)) continue;
      guard([&] {
        const json& list = j.at(key);
        for (size_t i = 0; i < list.size(); ++i) {
          known(list[i], pointer_append(pointer_append("/linux", key), i), {"containerID", "hostID", "size"});
          into->push_back({list[i].at("containerID").get<uint32_t>(), list[i].at("hostID").get<uint32_t>(),
                           list[i].at("size").get<uint32_t>()});
        }
      });
    }
    if (j.contains("sysctl")) guard([&] { l.sysctl = j.at("sysctl").get<std::map<std::string, std::string>>(); });
    if (j.contains("netDevices")) guard([&] { l.net_devices = read_net_devices(j.at("netDevices")); });
    if (j.contains("devices")) guard([&] { l.devices = read_devices(j.at("devices")); });
    guard([&] {
      auto strings = [&j](const char* key) {
        return j.contains(key) ? j.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
      };
      l.masked_paths = strings("maskedPaths");
      l.readonly_paths = strings("readonlyPaths");
      l.cgroups_path = j.value("cgroupsPath", "");
    });
    if (j.contains("rootfsPropagation")) guard([&] {
      l.rootfs_propagation = j.at("rootfsPropagation").get<std::string>();
      constexpr std::string_view kKinds[] = {"private", "rprivate", "shared", "rshared",
                                             "slave",   "rslave",   "unbindable", "runbindable"};
      if (std::find(std::begin(kKinds), std::end(kKinds), l.rootfs_propagation) == std::end(kKinds))
        problem("/linux/rootfsPropagation", "expected one of private, rprivate, shared, rshared, slave, rslave, "
                                            "unbindable, runbindable (got \"" + one_line(l.rootfs_propagation) + "\")");
    });
    l.has_resources = j.contains("resources");
    if (j.contains("seccomp")) guard([&] {
      known(j.at("seccomp"), "/linux/seccomp", {"defaultAction", "defaultErrnoRet", "architectures", "flags",
                                                "listenerPath", "listenerMetadata", "syscalls"});
      std::vector<SeccompProblem> found;
      l.seccomp = read_seccomp(j.at("seccomp"), found);
      for (auto& p : found) problem(std::move(p.pointer), std::move(p.what));
    });
    if (l.has_resources) l.resources = j.at("resources").dump();
    return namespaces_read;
  }

  // A node outside /dev, or one that the path's ".." would put there, could shadow a
  // file the workload trusts; the runtime makes nodes only under /dev.
  std::vector<Device> read_devices(const json& j) {
    std::vector<Device> out;
    std::set<std::string> paths;
    for (size_t i = 0; i < j.size(); ++i) {
      const json& d = j[i];
      std::string ptr = pointer_append("/linux/devices", i);
      known(d, ptr, {"path", "type", "major", "minor", "fileMode", "uid", "gid"});
      Device dev;
      dev.path = d.at("path").get<std::string>();
      std::string type = d.at("type").get<std::string>();
      if (type.size() != 1 || std::string_view("cbup").find(type[0]) == std::string_view::npos)
        problem(ptr + "/type", "expected c, b, u or p (got \"" + type + "\")");
      else
        dev.type = type[0];
      if (!is_plain_dev_path(dev.path))
        problem(ptr + "/path", "expected a path under /dev/ without \".\" or \"..\" components (got \"" +
                                   dev.path + "\")");
      else if (!paths.insert(dev.path).second)
        problem(ptr + "/path", "a second device at " + dev.path);
      if (dev.type != 'p') {
        for (const char* key : {"major", "minor"})
          if (!d.contains(key)) problem(ptr, std::string("expected \"") + key + "\" for a device of type " + type);
      }
      if (d.contains("major")) dev.major = d.at("major").get<uint32_t>();
      if (d.contains("minor")) dev.minor = d.at("minor").get<uint32_t>();
      if (d.contains("fileMode")) {
        dev.file_mode = d.at("fileMode").get<uint32_t>();
        if (*dev.file_mode > 07777) problem(ptr + "/fileMode", "expected permission bits, at most 07777 (4095)");
      }
      if (d.contains("uid")) dev.uid = d.at("uid").get<uint32_t>();
      if (d.contains("gid")) dev.gid = d.at("gid").get<uint32_t>();
      out.push_back(std::move(dev));
    }
    return out;
  }

  static bool is_plain_dev_path(const std::string& path) {
    if (!path.starts_with("/dev/") || path.size() == 5 || path.ends_with('/')) return false;
    size_t pos = 5;
    while (pos <= path.size()) {
      size_t next = path.find('/', pos);
      std::string_view part(path.data() + pos, (next == std::string::npos ? path.size() : next) - pos);
      if (part.empty() || part == "." || part == "..") return false;
      if (next == std::string::npos) break;
      pos = next + 1;
    }
    return true;
  }

  std::vector<NetDevice> read_net_devices(const json& j) {
    std::vector<NetDevice> out;
    std::set<std::string> targets;
    for (const auto& [host, dev] : j.items()) {
      std::string ptr = pointer_append("/linux/netDevices", host);
      known(dev, ptr, {"name"});
      NetDevice d{host, dev.value("name", "")};
      if (auto r = netns::check_ifname(host); !r) problem(ptr, "host device name: " + r.error().context);
      if (!d.name.empty()) {
        // "eth%d" asks the kernel for the first free number (dev_alloc_name()).
        std::string probe = d.name;
        if (probe.ends_with("%d")) probe.replace(probe.size() - 2, 2, "0");
        if (auto r = netns::check_ifname(probe); !r) problem(ptr + "/name", r.error().context);
      }
      std::string target = d.name.empty() ? host : d.name;
      if (!target.ends_with("%d") && !targets.insert(target).second)
        problem(ptr + "/name", "two devices would be named \"" + target + "\" in the container");
      out.push_back(std::move(d));
    }
    return out;
  }

  // Settings that only stay inside the container when it has its own namespace.
  void check_namespaced_settings(const Config& c) {
    auto has_new_ns = [&c](std::string_view type) {
      return std::any_of(c.linux.namespaces.begin(), c.linux.namespaces.end(),
                         [type](const Namespace& n) { return n.type == type; });
    };
    if (!c.hostname.empty() && !has_new_ns("uts"))
      problem("/hostname", "a hostname needs a uts namespace (it would rename the host)");
    if (!c.domainname.empty() && !has_new_ns("uts"))
      problem("/domainname", "a domainname needs a uts namespace (it would rename the host)");
    // Without a mount namespace the root changes by chroot and the mounts are the
    // host's: what would mount something is refused rather than made on the host (runc
    // would make it there, and leave it after the container).
    if (!has_new_ns("mount")) {
      const char* why = "needs a mount namespace (it would be mounted in the host's)";
      if (!c.mounts.empty()) problem("/mounts", std::string("mounts: ") + why);
      if (!c.linux.masked_paths.empty()) problem("/linux/maskedPaths", std::string("masked paths: ") + why);
      if (!c.linux.readonly_paths.empty()) problem("/linux/readonlyPaths", std::string("read-only paths: ") + why);
      if (!c.linux.rootfs_propagation.empty())
        problem("/linux/rootfsPropagation", std::string("rootfs propagation: ") + why);
      if (!c.linux.devices.empty()) problem("/linux/devices", std::string("devices: ") + why);
      if (c.root.readonly) problem("/root/readonly", std::string("a read-only root: ") + why);
    }
    if (!c.linux.net_devices.empty() && !has_new_ns("network"))
      problem("/linux/netDevices", "netDevices need a network namespace");
    for (const auto& [key, value] : c.linux.sysctl) {
      std::string ptr = pointer_append("/linux/sysctl", key);
      if (!is_valid_sysctl_name(key)) {
        problem(ptr, "expected a sysctl name such as net.ipv4.ip_forward");
        continue;
      }
      auto ns = sysctl_namespace(key);
      if (!ns)
        problem(ptr, "sysctl is not namespaced; setting it would change the host");
      else if (!has_new_ns(*ns))
        problem(ptr, "sysctl needs a " + std::string(*ns) + " namespace; setting it would change the host");
    }
  }

  const std::string& file_;
  Diagnostics& diag_;
  std::vector<Error>& problems_;
  bool schema_failed_ = false;
};

Result<Config> first_problem(ConfigCheck check) {
  if (!check.problems.empty()) return std::unexpected(std::move(check.problems.front()));
  return std::move(*check.config);
}

// What the network is made from: the network spec's annotation, linux.netDevices, the
// namespaces (one joined by path is shared) and the net.* sysctls the spec must agree
// with. Pointers into it are those of the whole document.
json network_part(const json& doc) {
  json part = json::object();
  for (const char* key : {"ociVersion", "annotations"})
    if (auto it = doc.find(key); it != doc.end()) part[key] = *it;
  auto linux = doc.find("linux");
  if (linux == doc.end()) return part;
  if (!linux->is_object()) {
    part["linux"] = *linux;
    return part;
  }
  part["linux"] = json::object();
  for (const char* key : {"namespaces", "netDevices", "sysctl"})
    if (auto it = linux->find(key); it != linux->end()) part["linux"][key] = *it;
  return part;
}

}  // namespace

ConfigCheck check_config(std::string_view text, const std::string& file, Diagnostics& diag, ConfigUse use) {
  ConfigCheck out;
  auto doc = parse_json(text, file);
  if (!doc) {
    out.problems.push_back(std::move(doc).error());
    return out;
  }
  if (!doc->is_object()) {
    out.problems.push_back(input_error(file, "", "expected a JSON object"));
    return out;
  }
  // netns-hook reads config.json for the network alone: the rest is the business of the
  // runtime running the container (runc checks its own config), and checking it here
  // would cost each hook run a schema of the whole config.
  if (use == ConfigUse::network) doc = network_part(*doc);
  auto schema = runtime_config_schema(*doc);
  if (!schema) {
    out.problems.push_back(schema.error());
    return out;
  }
  {
    // The schema lists the four plain rootfsPropagation kinds; runc also takes their
    // recursive forms, which containerd writes ("rslave"): the schema sees the plain one.
    json* prop = nullptr;
    if (auto l = doc->find("linux"); l != doc->end() && l->is_object())
      if (auto p = l->find("rootfsPropagation"); p != l->end() && p->is_string()) prop = &*p;
    std::string given = prop ? prop->get<std::string>() : "";
    bool recursive = given == "rprivate" || given == "rshared" || given == "rslave" || given == "runbindable";
    if (recursive) *prop = given.substr(1);
    out.problems = schema->validate(*doc, file);
    if (recursive) *prop = given;
  }
  if (const json* nd = at_pointer(*doc, "/linux/netDevices")) {
    auto nd_schema = net_devices_schema();
    if (!nd_schema) {
      out.problems.push_back(nd_schema.error());
      return out;
    }
    for (auto& e : (*nd_schema)->validate(*nd, file)) {
      e.pointer = "/linux/netDevices" + e.pointer;
      out.problems.push_back(std::move(e));
    }
  }
  const size_t from_schema = out.problems.size();
  ConfigReader reader(file, diag, out.problems);
  bool schema_failed = !out.problems.empty();
  if (use == ConfigUse::run) reader.check_policy(*doc);
  json readable = *doc;
  if (schema_failed) {
    for (const auto& e : out.problems) {
      if (e.pointer.empty()) continue;
      json::json_pointer ptr(e.pointer);
      if (readable.contains(ptr)) readable[ptr] = nullptr;
    }
  }
  Config c = reader.read(readable, schema_failed, use == ConfigUse::run);
  drop_schema_repeats(out.problems, from_schema);
  if (out.problems.empty()) out.config = std::move(c);
  return out;
}

ConfigCheck check_config_file(const std::string& bundle_dir, Diagnostics& diag, ConfigUse use) {
  std::string file = bundle_dir + "/config.json";
  auto text = read_input_file(file);
  if (!text) {
    ConfigCheck out;
    out.problems.push_back(std::move(text).error());
    return out;
  }
  return check_config(*text, file, diag, use);
}

Result<Config> load_config(const std::string& bundle_dir, Diagnostics& diag, ConfigUse use) {
  return first_problem(check_config_file(bundle_dir, diag, use));
}

Result<Config> parse_config(std::string_view text, const std::string& file, Diagnostics& diag) {
  return first_problem(check_config(text, file, diag));
}

Result<Process> load_process_file(const std::string& path, Diagnostics& diag) {
  auto doc = MR_TRY_VALUE(load_json_file(path));
  if (!doc.is_object()) return std::unexpected(input_error(path, "", "expected a JSON object (a runtime-spec process)"));
  // Checked as the /process of a config that has nothing else, so that exactly
  // config.json's rules apply; the pointers are then moved back into the file.
  json config = {{"ociVersion", "1.2.0"}, {"root", {{"path", "rootfs"}}}, {"process", std::move(doc)}};
  Diagnostics inner;
  ConfigCheck check = check_config(config.dump(), path, inner);
  auto into_file = [](Error e) {
    if (e.pointer.starts_with("/process")) e.pointer.erase(0, std::string_view("/process").size());
    return e;
  };
  for (auto& w : inner.warnings) diag.warnings.push_back(into_file(std::move(w)));
  for (auto& n : inner.notes) diag.notes.push_back(into_file(std::move(n)));
  if (!check.problems.empty()) return std::unexpected(into_file(std::move(check.problems.front())));
  return std::move(check.config->process);
}

}  // namespace mr::oci
