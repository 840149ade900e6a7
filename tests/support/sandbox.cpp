#include "support/sandbox.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netns/address_pool.hpp"
#include "netns/lease.hpp"
#include "netns/sysctl.hpp"
#include "network/dns.hpp"

namespace mr::test {

std::vector<std::string> prefix_texts(const std::vector<netns::AddressInfo>& addresses) {
  std::vector<std::string> out;
  for (const auto& a : addresses) out.push_back(a.prefix.to_string());
  return out;
}

ino_t thread_netns_inode() {
  struct stat st{};
  REQUIRE(::stat("/proc/thread-self/ns/net", &st) == 0);
  return st.st_ino;
}

Space Space::make() {
  auto ns = MUST(netns::Netns::create());
  // A new namespace copies net.ipv4.ip_forward (and the rest of IPv4's "all" and
  // "default" settings) from the machine's initial one (net.core.devconf_inherit_init_net
  // 0, the default): 1 on any host that ran Docker or podman. Tests start from the
  // kernel's own default instead, whatever the machine holds.
  MUST(netns::write_sysctl(ns, "net.ipv4.ip_forward", "0"));
  auto nl = MUST(netns::NlSocket::open_in(ns));
  MUST(netns::set_link_up(nl, 1, true));  // lo is always index 1 in a new namespace
  return Space{std::move(ns), std::move(nl)};
}

bool Space::has_link(const std::string& name) { return MUST(netns::find_link(nl, name)).has_value(); }

std::vector<std::string> Space::addresses(int index, int family) {
  return prefix_texts(MUST(netns::list_addresses(nl, index, family)));
}

UniqueFd link_events(const netns::Netns& ns, uint32_t groups) {
  return MUST(netns::run_in(ns, [groups]() -> Result<UniqueFd> {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (!fd) return fail(errno, "open rtnetlink event socket");
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    local.nl_groups = groups;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return fail(errno, "subscribe to link events");
    return fd;
  }));
}

// Waits until `events` has something to read, or the deadline passes (false); then
// drains it.
static bool next_events(const UniqueFd& events, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd p{events.get(), POLLIN, 0};
  if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
  char buf[16384];
  // ENOBUFS (events lost) is as good as an event: look again.
  while (::recv(events.get(), buf, sizeof buf, 0) > 0 || errno == ENOBUFS) {
  }
  return true;
}

void Space::wait_oper_up(const std::string& name) {
  auto events = link_events(ns);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    auto l = link(name);
    if (l.operstate == IF_OPER_UP) {
      // linkwatch sets the operstate, then attaches the qdisc and tells the bridge, all
      // under RTNL; a request that takes RTNL (any RTM_NEWLINK) returns after it is done.
      MUST(netns::set_link_up(nl, l.index, true));
      return;
    }
    if (!next_events(events, deadline))
      FAIL("link " << name << " in " << ns.name() << " is not operationally up (operstate "
                   << int(l.operstate) << ")");
  }
}

static Space make_host() {
  if (geteuid() != 0)
    FAIL("integration tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run them as root");
  return Space::make();
}

Sandbox::Sandbox() : host_(make_host()) {}

// The product names that state by the host namespace's cookie (SO_NETNS_COOKIE), which
// no other namespace gets while the system runs: "COOKIE" or "COOKIE-...", in hex.
Sandbox::~Sandbox() {
  auto key = netns::lease_key(host_.nl, 0);
  if (!key) return;
  char cookie[24];
  std::snprintf(cookie, sizeof cookie, "%llx", static_cast<unsigned long long>(key->netns_cookie));
  const std::string mine = cookie, mine_dash = mine + "-";
  for (const auto& root : {netns::default_lease_dir(), netns::default_pool_root(), network::default_dns_root()}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      std::string name = e.path().filename();
      if (name == mine || name.starts_with(mine_dash)) std::filesystem::remove_all(e.path(), ec);
    }
  }
}

netns::LinkInfo Sandbox::veth(const std::string& name, const std::string& peer) {
  MUST(netns::create_veth(host_.nl, {.name = name, .peer_name = peer, .settings = {.up = true},
                                     .peer_settings = {.up = true}}));
  return host_.link(name);
}

netns::LinkInfo Sandbox::veth_into(Space& ctr, const std::string& name, const std::string& peer, int master) {
  netns::LinkSettings own{.up = true};
  if (master) own.master = master;
  MUST(netns::create_veth(host_.nl,
                          {.name = name, .peer_name = peer, .peer_ns = &ctr.ns, .settings = own,
                           .peer_settings = {.up = true}},
                          &ctr.nl));
  return ctr.link(peer);
}

netns::LinkInfo Sandbox::bridge(const std::string& name) {
  // A bridge whose MAC nobody set takes its lowest port's MAC and drops to zeros when
  // its last port leaves; bridge managers set one, and so does the sandbox, so that a
  // port coming and going leaves the "host" unchanged.
  netns::MacAddress mac{{0x02, 0x42, 0, 0, 0, static_cast<uint8_t>(name.size())}};
  for (char c : name) mac.bytes[4] = static_cast<uint8_t>(mac.bytes[4] * 31 + c);
  MUST(netns::create_bridge(host_.nl, name, {.mac = mac, .up = true}));
  return host_.link(name);
}

// The mount points in /proc/self/mountinfo (ID PARENT MAJ:MIN ROOT MOUNT_POINT ...; the
// test paths need no unescaping).
static std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    out.push_back(mount_point);
  }
  return out;
}

// Mount points below `dir`, deepest first.
static std::vector<std::string> mounts_below(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& m : mount_points())
    if (m.starts_with(dir + "/")) out.push_back(std::move(m));
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

// Removes a test directory and everything in it. What a failed test left mounted below
// it (the namespace pin of a container that was never deleted) is detached first, as
// Netns::unpin() does; if a mount still remains, the tree stays: removal must not reach
// into a mount.
static void remove_test_dir(const std::string& dir) {
  for (const auto& m : mounts_below(dir)) (void)::umount2(m.c_str(), MNT_DETACH);
  if (!mounts_below(dir).empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// A test process killed before its destructors ran (a ctest timeout, a crash caught by
// doctest's signal handler) leaves its directories behind. Each TempDir holds an flock on
// its directory while its process lives (the kernel drops it when the process dies), so a
// directory named like ours whose lock can be taken is an orphan, whatever became of its
// pid. Directories named the old way (no pid) may belong to other running test builds
// and are left alone.
static void remove_orphaned_test_dirs() {
  constexpr std::string_view prefix = "mr-test-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
    std::string name = entry.path().filename().string();
    auto dash = name.find('-', prefix.size());
    if (!name.starts_with(prefix) || dash == std::string::npos || dash == prefix.size() ||
        name.find_first_not_of("0123456789", prefix.size()) != dash)
      continue;
    UniqueFd dir(::open(entry.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (dir && ::flock(dir.get(), LOCK_EX | LOCK_NB) == 0) remove_test_dir(entry.path().string());
  }
}

TempDir::TempDir() {
  // Made and locked under a lock that every sweep holds too: otherwise a sweep could take
  // a new directory's lock between its mkdtemp() and its owner's flock().
  UniqueFd making(::open("/tmp/mr-test.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(making);
  REQUIRE(::flock(making.get(), LOCK_EX) == 0);
  remove_orphaned_test_dirs();
  std::string tmpl = "/tmp/mr-test-" + std::to_string(::getpid()) + "-XXXXXX";
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  path_ = tmpl;
  lock_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(lock_);
  REQUIRE(::flock(lock_.get(), LOCK_EX | LOCK_NB) == 0);
}

TempDir::~TempDir() { remove_test_dir(path_); }

Space container_space(pid_t pid) {
  auto ns = MUST(netns::Netns::open_pid(pid));
  auto nl = MUST(netns::NlSocket::open_in(ns));
  return Space{std::move(ns), std::move(nl)};
}

std::string settled(Space& s, const std::string& expected, const std::function<std::string()>& look) {
  auto events = link_events(s.ns);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::string now = look();
    if (now == expected || !next_events(events, deadline)) return now;
  }
}

std::string settled_host_state(Space& s, const std::string& expected) {
  return settled(s, expected, [&] { return host_state(s); });
}

bool is_mount_point(const std::string& path) {
  auto mounts = mount_points();
  return std::find(mounts.begin(), mounts.end(), path) != mounts.end();
}

std::string host_state(Space& s) {
  auto snap = s.snapshot();
  auto name_of = [&](int index) -> std::string {
    const netns::LinkInfo* l = snap.link(index);
    return l ? l->name : index ? "#" + std::to_string(index) : "-";
  };
  std::vector<std::string> lines;
  for (const auto& l : snap.links) {
    std::ostringstream o;
    o << "link " << l.name << " kind=" << l.kind << " mtu=" << l.mtu << " mac=" << (l.mac ? l.mac->to_string() : "-")
      << " up=" << l.up() << " master=" << name_of(l.master);
    lines.push_back(o.str());
  }
  for (const auto& a : snap.addresses) {
    if (a.prefix.address.is_ipv6_link_local()) continue;
    lines.push_back("addr " + name_of(a.index) + " " + a.prefix.to_string());
  }
  for (const auto& r : snap.routes) {
    if (r.family() == AF_INET6 && r.destination.address.is_ipv6_link_local()) continue;
    std::ostringstream o;
    o << "route " << netns::to_string(r) << " dev=" << name_of(r.oif) << " proto=" << int(r.protocol)
      << " metric=" << r.metric;
    std::string line = o.str();
    // to_string() names the index; the device name above is what must match.
    auto at = line.find(" dev index ");
    if (at != std::string::npos) line.erase(at, line.find(' ', at + 11) - at);
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace mr::test
