// Containers with a user namespace of their own (linux.uidMappings and gidMappings,
// written by the runtime) or one given by path: what the kernel holds for them, read
// back from the host (/proc/PID/uid_map, /proc/PID/status, the owner of each namespace
// by ioctl NS_GET_USERNS) and from inside (exec), the network configured from the host
// into the container's namespace, and hostile mappings refused with nothing left.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <sstream>

#include "netns/address.hpp"
#include "support/cgroup_helpers.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;
using nlohmann::json;

namespace {

constexpr uint32_t kHostRoot = 100000;
constexpr uint32_t kRange = 65536;
const char* const kSleeper[] = {"sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

json one_mapping(uint32_t container, uint32_t host, uint32_t size) {
  return {{"containerID", container}, {"hostID", host}, {"size", size}};
}

// A new user namespace whose root is host uid and gid 100000, with 65536 ids, and a
// cgroup namespace beside the default's pid, network, ipc, uts and mount ones.
void map_root(Bundle& b) {
  b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  b.config["linux"]["namespaces"].push_back({{"type", "user"}});
  b.config["linux"]["uidMappings"] = json::array({one_mapping(0, kHostRoot, kRange)});
  b.config["linux"]["gidMappings"] = json::array({one_mapping(0, kHostRoot, kRange)});
}

void sleeper(Bundle& b) { b.args({kSleeper[0], kSleeper[1], kSleeper[2]}); }

// Writes the bundle with a workload that waits, creates `id` and returns its init's pid.
pid_t create_waiting(MiniRuncFixture& f, const std::string& id) {
  sleeper(f.b);
  f.b.write();
  auto c = f.runc({"create", "-b", f.b.dir, id});
  INFO(c.err);
  REQUIRE(c.status == 0);
  return f.runc.state(id)["pid"];
}

// The container's root is no one on the host: it walks the host's path to the rootfs and
// its bind sources as "others". The test's directory is 0700 (mkdtemp); its content, made
// by root with umask 022, is open to others already, as an engine's bundles are.
void open_to_others(const TempDir& tmp) { REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0); }

std::string proc(pid_t pid, const std::string& name) { return read_file("/proc/" + std::to_string(pid) + "/" + name); }

// A uid_map or gid_map with its padding gone: "0 100000 65536\n" per line.
std::string map_lines(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string a, b, c; in >> a >> b >> c;) out += a + " " + b + " " + c + "\n";
  return out;
}

// A line of /proc/PID/status ("Uid:\t100000\t100000\t100000\t100000").
std::string status_line(pid_t pid, const std::string& key) {
  std::istringstream in(proc(pid, "status"));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key + ":")) return line;
  FAIL("no " << key << " in /proc/" << pid << "/status");
  return {};
}

// The soft and hard values of one line of /proc/PID/limits ("1000 21000").
std::string limit_line(pid_t pid, const std::string& name) {
  std::istringstream in(proc(pid, "limits"));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(name)) continue;
    std::istringstream values(line.substr(name.size()));
    std::string soft, hard;
    values >> soft >> hard;
    return soft + " " + hard;
  }
  FAIL("no " << name << " in /proc/" << pid << "/limits");
  return {};
}

ino_t inode_of(const std::string& path) {
  struct stat st{};
  REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
  return st.st_ino;
}

// The user namespace that owns the namespace at `path` (ioctl_ns(2), NS_GET_USERNS).
ino_t owner_of(const std::string& path) {
  mr::UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE_MESSAGE(ns, path);
  mr::UniqueFd owner(::ioctl(ns.get(), NS_GET_USERNS));
  REQUIRE_MESSAGE(owner, "NS_GET_USERNS " << path);
  struct stat st{};
  REQUIRE(::fstat(owner.get(), &st) == 0);
  return st.st_ino;
}

// Every namespace of `pid` but its user namespace is owned by that user namespace.
void check_owned_by_its_userns(pid_t pid) {
  std::string ns = "/proc/" + std::to_string(pid) + "/ns/";
  ino_t user = inode_of(ns + "user");
  CHECK(user != inode_of("/proc/self/ns/user"));
  for (const char* type : {"net", "mnt", "uts", "ipc", "pid", "cgroup"}) {
    CAPTURE(type);
    CHECK(owner_of(ns + type) == user);
  }
}

// A process that holds a user namespace of its own (host ids 200000-265535) until
// destroyed: the user namespace a container is given by path.
class UsernsHolder {
 public:
  UsernsHolder() {
    int ready[2], hold[2];
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(hold[1]);
      char c = ::unshare(CLONE_NEWUSER) == 0 ? 'u' : 'e';
      if (::write(ready[1], &c, 1) != 1) ::_exit(1);
      while (::read(hold[0], &c, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    hold_.reset(hold[1]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    REQUIRE(c == 'u');
    for (const char* map : {"uid_map", "gid_map"})
      write_file("/proc/" + std::to_string(pid_) + "/" + map, "0 200000 65536\n");
  }
  ~UsernsHolder() {
    hold_.reset();  // end-of-file: the holder exits
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  std::string path() const { return "/proc/" + std::to_string(pid_) + "/ns/user"; }

 private:
  pid_t pid_ = -1;
  mr::UniqueFd hold_;
};

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: the container's root is host uid 100000 and its user namespace owns its other namespaces") {
  open_to_others(tmp);
  std::string path = unique_cgroup_path("userns");
  CgroupCleanup guard(path);
  map_root(b);
  b.config["linux"]["cgroupsPath"] = path;
  // Set inside: the soft limit lowered, the hard one kept (raising it needs the host's
  // CAP_SYS_RESOURCE, which the build machines do not give even to root).
  rlimit nofile{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &nofile) == 0);
  const uint64_t hard = nofile.rlim_max;
  b.config["process"]["rlimits"] = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 1000}, {"hard", hard}}});
  pid_t init = create_waiting(*this, "u1");
  CHECK(map_lines(proc(init, "uid_map")) == "0 100000 65536\n");
  CHECK(map_lines(proc(init, "gid_map")) == "0 100000 65536\n");
  // Seen from the host: real, effective, saved and filesystem ids.
  CHECK(status_line(init, "Uid") == "Uid:\t100000\t100000\t100000\t100000");
  CHECK(status_line(init, "Gid") == "Gid:\t100000\t100000\t100000\t100000");
  // setgroups left at "allow", as runc leaves it when it runs as root.
  CHECK(proc(init, "setgroups") == "allow\n");
  check_owned_by_its_userns(init);
  CHECK(limit_line(init, "Max open files") == "1000 " + std::to_string(hard));
  // The cgroup v2 directory and the files delegated are the container root's; v1 ones not.
  std::string v2 = cgroup_dir_of("unified", path);
  struct stat st{};
  REQUIRE(::stat(v2.c_str(), &st) == 0);
  CHECK(st.st_uid == kHostRoot);
  CHECK(st.st_gid == kHostRoot);
  REQUIRE(::stat((v2 + "/cgroup.procs").c_str(), &st) == 0);
  CHECK(st.st_uid == kHostRoot);
  REQUIRE(::stat(cgroup_dir_of("memory", path).c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK(runc({"delete", "--force", "u1"}).status == 0);
  CHECK_FALSE(guard.any_left());
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: exec joins the user namespace first and runs as the container's root, who is no one on the host") {
  open_to_others(tmp);
  // A host root file bind-mounted read-write: root inside is "others" to it.
  std::string host_file = tmp.file("host-owned");
  write_file(host_file, "host\n");
  REQUIRE(::chmod(host_file.c_str(), 0644) == 0);
  map_root(b);
  sleeper(b);
  // Mount points the mapped root cannot make in the host root's rootfs (nor under runc).
  write_file(b.rootfs() + "/host-owned", "");
  b.config["mounts"].push_back({{"destination", "/host-owned"}, {"type", "bind"}, {"source", host_file},
                                {"options", {"rbind", "rw"}}});
  b.write();
  auto r = runc({"run", "-d", "-b", b.dir, "u2"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  pid_t init = runc.state("u2")["pid"];
  auto o = runc({"exec", "u2", "sh", "-c",
                 "id -u; id -g; cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/net; "
                 "echo x >> /host-owned; cat /proc/mounts"});
  INFO(o.err);
  CHECK(o.status == 0);
  std::istringstream out(o.out);
  std::string uid, gid, map_line, user_ns, net_ns;
  std::getline(out, uid);
  std::getline(out, gid);
  std::getline(out, map_line);
  std::getline(out, user_ns);
  std::getline(out, net_ns);
  CHECK(uid == "0");
  CHECK(gid == "0");
  CHECK(map_lines(map_line) == "0 100000 65536\n");
  std::string ns = "/proc/" + std::to_string(init) + "/ns/";
  CHECK(user_ns == std::filesystem::read_symlink(ns + "user").string());
  CHECK(net_ns == std::filesystem::read_symlink(ns + "net").string());
  CHECK(o.err.find("can't create /host-owned: Permission denied") != std::string::npos);
  CHECK(read_file(host_file) == "host\n");
  // sysfs can be mounted only because the network namespace is the user namespace's;
  // devpts takes gid 5, mapped: its options show the host's gid (devpts_show_options()
  // prints ids as the initial user namespace sees them).
  CHECK(o.out.find("sysfs /sys sysfs ro,") != std::string::npos);
  CHECK(o.out.find("devpts /dev/pts devpts") != std::string::npos);
  CHECK(o.out.find(",gid=100005,") != std::string::npos);
  CHECK(runc({"delete", "--force", "u2"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: the spec's device address and route are configured from the host in the container's network namespace") {
  open_to_others(tmp);
  sb.veth("nic0", "wire0");
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1,
    "devices": [{"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"]}],
    "routes": [{"to": "default", "via": "192.0.2.1"}]})");
  map_root(b);
  pid_t init = create_waiting(*this, "u3");
  std::string ns = "/proc/" + std::to_string(init) + "/ns/";
  CHECK(owner_of(ns + "net") == inode_of(ns + "user"));
  // Read back in that namespace: moved, addressed, routed, up.
  Space ctr = container_space(init);
  REQUIRE(ctr.has_link("eth0"));
  auto eth0 = ctr.link("eth0");
  CHECK(contains(ctr.addresses(eth0.index, AF_INET), "192.0.2.10/24"));
  bool default_route = false;
  for (const auto& route : ctr.routes(AF_INET)) default_route |= route.destination.length == 0 && route.oif == eth0.index;
  CHECK(default_route);
  CHECK_FALSE(sb.host().has_link("nic0"));
  // Inside, the container's root sees its own devices only.
  REQUIRE(runc({"start", "u3"}).status == 0);
  auto o = runc({"exec", "u3", "ls", "/sys/class/net"});
  INFO(o.err);
  CHECK(o.out == "eth0\nlo\n");
  auto d = runc({"delete", "--force", "u3"});
  INFO(d.err);
  CHECK(d.status == 0);
  CHECK(settled_host_state(sb.host(), before) == before);  // nic0 back, as it was
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: a user namespace given by path is joined first and owns the new namespaces") {
  open_to_others(tmp);
  UsernsHolder holder;
  b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  b.config["linux"]["namespaces"].push_back({{"type", "user"}, {"path", holder.path()}});
  pid_t init = create_waiting(*this, "u4");
  std::string ns = "/proc/" + std::to_string(init) + "/ns/";
  CHECK(inode_of(ns + "user") == inode_of(holder.path()));
  CHECK(map_lines(proc(init, "uid_map")) == "0 200000 65536\n");
  CHECK(status_line(init, "Uid") == "Uid:\t200000\t200000\t200000\t200000");
  check_owned_by_its_userns(init);
  CHECK(runc({"delete", "--force", "u4"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: linux.devices are the host's nodes bound in") {
  open_to_others(tmp);
  map_root(b);
  sleeper(b);
  b.config["linux"]["devices"] = json::array({{{"path", "/dev/kmsg"}, {"type", "c"}, {"major", 1}, {"minor", 11}}});
  b.write();
  auto r = runc({"run", "-d", "-b", b.dir, "u5"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto o = runc({"exec", "u5", "stat", "-c", "%t:%T %F", "/dev/kmsg"});
  INFO(o.err);
  CHECK(o.out == "1:b character special file\n");
  CHECK(runc({"delete", "--force", "u5"}).status == 0);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: a create that fails inside the user namespace leaves nothing behind") {
  open_to_others(tmp);
  std::string path = unique_cgroup_path("userns-fail");
  CgroupCleanup guard(path);
  sb.veth("nic0", "wire0");
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json",
             R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0", "addresses": ["192.0.2.10/24"]}]})");
  map_root(b);
  b.config["linux"]["cgroupsPath"] = path;
  // No such node on the host: nothing to bind, and mknod is not allowed in there.
  b.config["linux"]["devices"] = json::array({{{"path", "/dev/mr-absent"}, {"type", "c"}, {"major", 1}, {"minor", 3}}});
  b.write();
  auto c = runc({"create", "-b", b.dir, "u6"});
  CHECK(c.status == 1);
  INFO(c.err);
  CHECK(c.err.find("bind the host's /dev/mr-absent") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/u6"));
  CHECK_FALSE(guard.any_left());
  CHECK(settled_host_state(sb.host(), before) == before);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: the network spec's dns with a user namespace is refused in one line and nothing is left") {
  open_to_others(tmp);
  sb.veth("nic0", "wire0");
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}],
    "dns": {"nameservers": ["192.0.2.1"]}})");
  map_root(b);
  b.write();
  auto c = runc({"create", "-b", b.dir, "u7"});
  CHECK(c.status == 1);
  CHECK(c.err == "mini-runc: error: the network spec's dns and hosts are not supported with a user namespace yet: "
                 "their files cannot be bind-mounted into it: Operation not supported\n");
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/u7"));
  CHECK(host_state(sb.host()) == before);
}

TEST_CASE_FIXTURE(MiniRuncFixture, "userns: hostile mappings are refused in one line with their pointer and nothing is made") {
  open_to_others(tmp);
  std::string path = unique_cgroup_path("userns-hostile");
  CgroupCleanup guard(path);
  sb.veth("nic0", "wire0");
  const std::string before = host_state(sb.host());
  write_file(b.dir + "/network.json", R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})");
  json too_many = json::array();
  for (uint32_t i = 0; i < 341; ++i) too_many.push_back(one_mapping(i, kHostRoot + i, 1));
  struct Case {
    const char* name;
    std::function<void(json&)> change;
    std::string line;  // after "config.json:"
  };
  const Case cases[] = {
      {"mappings without a user namespace", [](json& c) { c["linux"]["namespaces"].erase(c["linux"]["namespaces"].size() - 1); },
       "/linux/uidMappings: mappings need a user namespace: expected a {\"type\": \"user\"} entry in linux.namespaces"},
      {"a new user namespace without mappings", [](json& c) { c["linux"].erase("gidMappings"); },
       "/linux/gidMappings: expected at least one mapping for the new user namespace at /linux/namespaces/6"},
      {"overlapping container ids",
       [](json& c) { c["linux"]["uidMappings"].push_back(one_mapping(1000, 300000, 10)); },
       "/linux/uidMappings/1/containerID: expected container ids apart from mapping 0 (1000-1009 overlaps 0-65535)"},
      {"overlapping host ids",
       [](json& c) { c["linux"]["gidMappings"].push_back(one_mapping(70000, 100010, 10)); },
       "/linux/gidMappings/1/hostID: expected host ids apart from mapping 0 (100010-100019 overlaps 100000-165535)"},
      {"size 0", [](json& c) { c["linux"]["uidMappings"][0]["size"] = 0; },
       "/linux/uidMappings/0/size: expected a size of at least 1"},
      {"ids past the largest", [](json& c) { c["linux"]["uidMappings"][0]["hostID"] = 4294967000u; },
       "/linux/uidMappings/0/size: expected hostID + size at most 4294967295 (got 4294967000 + 65536)"},
      {"more mappings than the kernel takes", [&](json& c) { c["linux"]["uidMappings"] = too_many; },
       "/linux/uidMappings: expected at most 340 mappings, the kernel's limit (got 341)"},
      {"root unmapped", [](json& c) { c["linux"]["uidMappings"][0]["containerID"] = 1; },
       "/linux/uidMappings: expected a mapping of container id 0: the container's root must be someone on the host"},
      {"process.user unmapped", [](json& c) { c["process"]["user"]["uid"] = 70000; },
       "/process/user/uid: expected a uid that linux.uidMappings maps (got 70000)"},
      {"mappings with a user namespace by path",
       [](json& c) { c["linux"]["namespaces"].back()["path"] = "/proc/self/ns/user"; },
       "/linux/uidMappings: expected no mappings with a user namespace joined by path (/proc/self/ns/user has its own)"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    Bundle bad(tmp.path() + "/bundle-" + std::to_string(&k - cases));
    bad.config["linux"]["cgroupsPath"] = path;
    map_root(bad);
    REQUIRE(bad.config["linux"]["namespaces"].size() == 7);  // the user namespace is /linux/namespaces/6
    k.change(bad.config);
    bad.write();
    write_file(bad.dir + "/network.json", read_file(b.dir + "/network.json"));
    auto o = runc({"create", "-b", bad.dir, "hostile"});
    CHECK(o.status == 1);
    CHECK(o.err == "mini-runc: error: " + bad.dir + "/config.json:" + k.line + "\n");
    CHECK_FALSE(std::filesystem::exists(runc.root() + "/hostile"));
    CHECK_FALSE(guard.any_left());
    CHECK(host_state(sb.host()) == before);  // nic0 not moved
  }
}
