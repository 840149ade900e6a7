// Id-mapped bind mounts (mounts[].uidMappings/gidMappings, idmap/ridmap), in a container
// without a user namespace of its own, as runc's "[no userns]" cases: the kernel shows a
// file owned on disk by id N as the mapping's hostID for containerID N (stat inside the
// container), and a file made through the mount by id hostID + k lands on disk owned by
// k (stat from the test). The host's view of the source never changes, the mount is
// marked idmapped and is no peer of the host's, and a bad mapping or a filesystem that
// cannot be id-mapped is refused at its pointer with nothing left behind, not even the
// process that held the mapping's user namespace.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/files.hpp"
#include "support/recovery_host.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json range(uint32_t container_id, uint32_t host_id, uint32_t size) {
  return {{"containerID", container_id}, {"hostID", host_id}, {"size", size}};
}

json idmapped_bind(const std::string& source, const std::string& dest, std::vector<std::string> options,
                   uint32_t host_id = 100000) {
  json map = json::array({range(0, host_id, 65536)});
  return {{"destination", dest}, {"type", "bind"}, {"source", source},
          {"options", options}, {"uidMappings", map}, {"gidMappings", map}};
}

// A file made by the test with owner uid:gid.
void make_owned(const std::string& path, uid_t uid, gid_t gid) {
  std::ofstream(path) << "x";
  REQUIRE(::chown(path.c_str(), uid, gid) == 0);
}

std::string owner(const std::string& path) {
  struct stat st{};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &st) == 0, path);
  return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
}

std::string overflow_id(const char* which) {
  std::string v = read_file(std::string("/proc/sys/kernel/") + which);
  return v.substr(0, v.find('\n'));
}

// A tmpfs the test mounts (a submount of a bind source), detached on every path.
struct ScopedTmpfs {
  std::string path;
  explicit ScopedTmpfs(std::string p) : path(std::move(p)) {
    fs::create_directories(path);
    REQUIRE(::mount("tmpfs", path.c_str(), "tmpfs", 0, "mode=755") == 0);
  }
  ~ScopedTmpfs() { (void)::umount2(path.c_str(), MNT_DETACH); }
};

// `path` bound onto itself and made shared, as a host's volume directory may be: a plain
// clone of it would be a peer of the host's, and mounts made under it in the container
// would appear on the host (mount_namespaces(7)).
struct ScopedSharedBind {
  std::string path;
  explicit ScopedSharedBind(std::string p) : path(std::move(p)) {
    REQUIRE(::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0);
    REQUIRE(::mount(nullptr, path.c_str(), nullptr, MS_SHARED, nullptr) == 0);
  }
  ~ScopedSharedBind() { (void)::umount2(path.c_str(), MNT_DETACH); }
};

// A container's output in two parts, before and after a line "==".
std::pair<std::string, std::string> split_output(const std::string& out) {
  auto at = out.find("==\n");
  REQUIRE_MESSAGE(at != std::string::npos, out);
  return {out.substr(0, at), out.substr(at + 3)};
}

// Per mount point of mountinfo lines: its per-mount options and optional fields.
struct MountLine {
  std::string options, optional;
};
std::map<std::string, MountLine> mount_lines(const std::string& text) {
  std::map<std::string, MountLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, options, field, optional;
    f >> id >> parent >> dev >> root >> point >> options;
    while (f >> field && field != "-") optional += field + " ";
    out[point] = {options, optional};
  }
  return out;
}

// Processes whose uid_map maps onto `host_id`: a user namespace holder left behind.
int holders_of(uint32_t host_id) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "uid_map");
    std::string first, host;
    if (in >> first >> host && host == std::to_string(host_id)) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "an id-mapped bind mount shows and makes owners through its mapping and the host's view is unchanged") {
  const std::string src = tmp.path() + "/src";
  fs::create_directories(src);
  make_owned(src + "/root-owned", 0, 0);
  make_owned(src + "/one-two", 1, 2);
  make_owned(src + "/high", 100000, 100000);  // no containerID maps onto it: shown as the overflow id
  ScopedSharedBind shared(src);
  b.config["mounts"].push_back(idmapped_bind(src, "/data", {"bind", "idmap", "nosuid"}, 173000));
  // uid 173000 is containerID 0 of the mapping: what it makes is owned by 0 on disk.
  b.config["process"]["user"] = {{"uid", 173000}, {"gid", 173000}};
  b.args({"sh", "-c",
          "stat -c %u:%g /data/root-owned /data/one-two /data/high; touch /data/made && echo made;"
          "stat -c %u:%g /data/made; echo ==; grep ' /data ' /proc/self/mountinfo"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "idmapped"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  std::string over = overflow_id("overflowuid") + ":" + overflow_id("overflowgid");
  auto [stats, mountinfo] = split_output(o.out);
  CHECK(stats == "173000:173000\n173001:173002\n" + over + "\nmade\n173000:173000\n");
  // The kernel marks the mount idmapped; the nosuid remount kept it so; and it is a
  // slave of the host's shared source, not a peer ("master:N", no "shared:N").
  auto lines = mount_lines(mountinfo);
  REQUIRE(lines.count("/data") == 1);
  CHECK(lines["/data"].options.find("idmapped") != std::string::npos);
  CHECK(lines["/data"].options.find("nosuid") != std::string::npos);
  CHECK(lines["/data"].optional.find("shared:") == std::string::npos);
  CHECK(lines["/data"].optional.find("master:") != std::string::npos);
  // On the host: the new file is owned by containerID 0, the others are as they were,
  // nothing is mounted and the mapping's holder is gone.
  CHECK(owner(src + "/made") == "0:0");
  CHECK(owner(src + "/root-owned") == "0:0");
  CHECK(owner(src + "/one-two") == "1:2");
  CHECK(owner(src + "/high") == "100000:100000");
  CHECK(mounts_under(tmp.path(), {runc.root()}) == std::vector<std::string>{src});
  CHECK(holders_of(173000) == 0);

  // Container root, id 0, has no id on disk through this mapping: the kernel refuses
  // what it would make (EOVERFLOW), as in runc's "write to an idmap mount [no userns]".
  b.config["process"]["user"] = {{"uid", 0}, {"gid", 0}};
  b.args({"sh", "-c", "touch /data/by-root; echo status $?"});
  b.write();
  auto r = runc({"run", "-b", b.dir, "idmapped-root"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out == "status 1\n");
  CHECK(r.err.find("Value too large for defined data type") != std::string::npos);
  CHECK_FALSE(fs::exists(src + "/by-root"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "ridmap maps every mount of an rbind tree and idmap only its top or one file") {
  const std::string src = tmp.path() + "/tree";
  fs::create_directories(src);
  make_owned(src + "/top", 0, 0);
  ScopedTmpfs sub(src + "/sub");
  make_owned(src + "/sub/inner", 5, 6);
  b.config["mounts"].push_back(idmapped_bind(src, "/r", {"rbind", "ridmap"}));
  b.config["mounts"].push_back(idmapped_bind(src, "/i", {"rbind", "idmap"}));
  // A single file, relative to the bundle, mapped too (its destination made a file).
  fs::create_directories(b.dir + "/files");
  make_owned(b.dir + "/files/one", 7, 8);
  b.config["mounts"].push_back(idmapped_bind("files/one", "/etc/one", {"bind", "idmap"}));
  b.args({"sh", "-c",
          "stat -c %n:%u:%g /r/top /r/sub/inner /i/top /i/sub/inner /etc/one; echo ==;"
          "grep -E ' /(r|i)(/sub)? ' /proc/self/mountinfo"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "ridmap"});
  INFO(o.err);
  REQUIRE(o.status == 0);
  auto [stats, mountinfo] = split_output(o.out);
  CHECK(stats == "/r/top:100000:100000\n/r/sub/inner:100005:100006\n/i/top:100000:100000\n/i/sub/inner:5:6\n"
                 "/etc/one:100007:100008\n");
  auto lines = mount_lines(mountinfo);
  CHECK(lines.size() == 4);
  auto idmapped = [&](const std::string& point) {
    return lines.count(point) == 1 && lines[point].options.find("idmapped") != std::string::npos;
  };
  CHECK(idmapped("/r"));
  CHECK(idmapped("/r/sub"));
  CHECK(idmapped("/i"));
  CHECK(lines.count("/i/sub") == 1);
  CHECK_FALSE(idmapped("/i/sub"));
  // The host's tree is as the test made it: the submount still its own, owners unchanged.
  CHECK(owner(src + "/top") == "0:0");
  CHECK(owner(src + "/sub/inner") == "5:6");
  CHECK(mounts_under(tmp.path(), {runc.root()}) == std::vector<std::string>{src + "/sub"});
}

TEST_CASE_FIXTURE(RecoveryFixture, "a source whose filesystem cannot be id-mapped is refused at its mount with EINVAL and nothing left") {
  b.config["mounts"].push_back(idmapped_bind("/sys/kernel", "/k", {"rbind", "ridmap"}, 271828));
  b.write();
  const std::string ptr = "/mounts/" + std::to_string(b.config["mounts"].size() - 1);
  const std::string before = picture();
  for (const char* cmd : {"create", "run"}) {
    CAPTURE(cmd);
    auto line = refused(runc({cmd, "-b", b.dir, "sysfs"}), before, "sysfs");
    CHECK(line == "mini-runc: error: config.json:" + ptr +
                      ": set MOUNT_ATTR_IDMAP on /sys/kernel (a filesystem there cannot be id-mapped on this "
                      "kernel): Invalid argument");
    CHECK(holders_of(271828) == 0);
  }
}

TEST_CASE_FIXTURE(RecoveryFixture, "hostile mount mappings are refused at their pointer under create and run with nothing left") {
  const std::string src = tmp.path() + "/src";
  fs::create_directories(src);
  const std::string config = b.dir + "/config.json";
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    std::string says;  // after "config.json:/mounts/N"
  };
  const std::vector<Case> cases = {
      {"overlapping containerID ranges",
       [](json& m) { m["uidMappings"] = {range(0, 100000, 1000), range(500, 200000, 1000)}; },
       "/uidMappings/1/containerID: the range overlaps the containerID range of /mounts/N/uidMappings/0"},
      {"overlapping hostID ranges",
       [](json& m) { m["gidMappings"] = {range(0, 100000, 1000), range(5000, 100500, 10)}; },
       "/gidMappings/1/hostID: the range overlaps the hostID range of /mounts/N/gidMappings/0"},
      {"a mapping on a tmpfs",
       [](json& m) {
         m["type"] = "tmpfs";
         m["source"] = "tmpfs";
         m["options"] = {"nosuid"};
       },
       "/uidMappings: id-mapped mounts are only supported for bind mounts (expected \"bind\" or \"rbind\" in "
       "options)"},
      {"uidMappings without gidMappings", [](json& m) { m.erase("gidMappings"); },
       "/uidMappings: expected gidMappings as well: an id-mapped mount needs both"},
      {"a size of 0", [](json& m) { m["uidMappings"][0]["size"] = 0; },
       "/uidMappings/0/size: expected a size of at least 1"},
  };
  const std::string before = picture();
  for (const auto& c : cases) {
    json doc = b.config;
    json m = idmapped_bind(src, "/data", {"bind", "idmap"});
    c.edit(m);
    doc["mounts"].push_back(m);
    const std::string ptr = "/mounts/" + std::to_string(doc["mounts"].size() - 1);
    std::string says = c.says;
    if (auto n = says.find("/mounts/N"); n != std::string::npos) says.replace(n, 9, ptr);
    write_file(config, doc.dump());
    for (const char* cmd : {"create", "run"}) {
      CAPTURE(c.name);
      CAPTURE(cmd);
      auto line = refused(runc({cmd, "-b", b.dir, "hostile"}), before, "hostile");
      CHECK(line == "mini-runc: error: " + config + ":" + ptr + says);
    }
  }
  CHECK(fs::is_empty(src));
}
