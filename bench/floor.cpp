// floor: the least a program can do to give a container mini-runc's veth network: the
// same namespace calls and rtnetlink requests, straight on libmnl, with no spec, no
// validation, no journal and no runtime around it. The benchmark's yardstick.
//
//   floor up   --pid PID --dir D [--host-end mrfloor0] [--time-file F]
//   floor down --dir D [--host-end mrfloor0] [--time-file F]
//   floor fill  --dir D --from I --to J     containers I..J-1: a fresh netns each, pinned
//                                           in D/ns-I, its veth fl-I on the bridge
//   floor drain --dir D --from I --to J     their veths deleted, pins removed
//
// Fixed network (the benchmark's): bridge br0, eth0 in the container with one IPv4 and
// one IPv6 address, default route via 10.88.0.1.
// up (as mini-runc's setup): open the container's netns by pid, pin it (bind mount on
// D/netns), open a socket inside it (setns there and back), lo up, look up the bridge,
// create the veth (host end up and on the bridge, peer in the netns as eth0), no IPv6
// link-local address on the host end (a bridge port), look up eth0, eth0 up, two
// addresses, the default route. down: delete the host end (its peer goes with it),
// unpin. --time-file appends the milliseconds from main() to exit.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void die(const std::string& what, int err = errno) {
  std::fprintf(stderr, "floor: %s: %s\n", what.c_str(), std::strerror(err));
  std::exit(1);
}

double now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

class Nl {
 public:
  Nl() {
    sock_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!sock_ || mnl_socket_bind(sock_, 0, MNL_SOCKET_AUTOPID) < 0) die("netlink socket");
    portid_ = mnl_socket_get_portid(sock_);
  }
  ~Nl() { mnl_socket_close(sock_); }
  Nl(const Nl&) = delete;
  Nl& operator=(const Nl&) = delete;

  nlmsghdr* start(uint16_t type, uint16_t flags) {
    nlmsghdr* h = mnl_nlmsg_put_header(buf_);
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    h->nlmsg_seq = ++seq_;
    return h;
  }

  // Sends and reads until the ACK (or the reply to a GET); returns the ifindex a
  // RTM_GETLINK reply names, else 0.
  int call(nlmsghdr* h, const std::string& what) {
    if (mnl_socket_sendto(sock_, h, h->nlmsg_len) < 0) die(what);
    int index = 0;
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(sock_, buf_, sizeof buf_);
      if (n < 0) die(what);
      auto* r = static_cast<nlmsghdr*>(static_cast<void*>(buf_));
      for (; mnl_nlmsg_ok(r, static_cast<int>(n)); r = mnl_nlmsg_next(r, reinterpret_cast<int*>(&n))) {
        if (r->nlmsg_type == NLMSG_ERROR) {
          auto* e = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(r));
          if (e->error) die(what, -e->error);
          return index;
        }
        if (r->nlmsg_type == RTM_NEWLINK) index = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(r))->ifi_index;
      }
    }
  }

 private:
  mnl_socket* sock_ = nullptr;
  unsigned portid_ = 0;
  uint32_t seq_ = 0;
  alignas(nlmsghdr) char buf_[8192];
};

ifinfomsg* put_ifinfo(nlmsghdr* h, int index, unsigned flags) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = flags;
  ifi->ifi_change = flags;
  return ifi;
}

void link_up(Nl& s, const char* name, int index) {
  nlmsghdr* h = s.start(RTM_NEWLINK, 0);
  put_ifinfo(h, index, IFF_UP);
  if (!index) mnl_attr_put_strz(h, IFLA_IFNAME, name);
  s.call(h, std::string("up ") + name);
}

int get_link(Nl& s, const char* name) {
  nlmsghdr* h = s.start(RTM_GETLINK, 0);
  put_ifinfo(h, 0, 0);
  mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  return s.call(h, std::string("get link ") + name);
}

void create_veth(Nl& s, const char* host_end, int master, const char* peer, int peer_ns_fd) {
  nlmsghdr* h = s.start(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  put_ifinfo(h, 0, IFF_UP);
  mnl_attr_put_strz(h, IFLA_IFNAME, host_end);
  mnl_attr_put_u32(h, IFLA_MASTER, static_cast<uint32_t>(master));
  nlattr* linkinfo = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
  nlattr* info = mnl_attr_nest_start(h, VETH_INFO_PEER);
  // VETH_INFO_PEER holds an ifinfomsg followed by the peer's attributes.
  auto* pifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
  std::memset(pifi, 0, sizeof *pifi);
  mnl_attr_put_strz(h, IFLA_IFNAME, peer);
  mnl_attr_put_u32(h, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_ns_fd));
  mnl_attr_nest_end(h, info);
  mnl_attr_nest_end(h, data);
  mnl_attr_nest_end(h, linkinfo);
  s.call(h, std::string("create veth ") + host_end);
}

// No IPv6 link-local address on a bridge port (as mini-runc does): set before the
// container's end comes up and gives the port carrier.
void no_ipv6_link_local(Nl& s, const char* name) {
  nlmsghdr* h = s.start(RTM_NEWLINK, 0);
  put_ifinfo(h, 0, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  nlattr* af_spec = mnl_attr_nest_start(h, IFLA_AF_SPEC);
  nlattr* inet6 = mnl_attr_nest_start(h, AF_INET6);
  mnl_attr_put_u8(h, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  mnl_attr_nest_end(h, inet6);
  mnl_attr_nest_end(h, af_spec);
  s.call(h, std::string("no IPv6 link-local on ") + name);
}

void delete_link(Nl& s, const char* name) {
  nlmsghdr* h = s.start(RTM_DELLINK, 0);
  put_ifinfo(h, 0, 0);
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  s.call(h, std::string("delete link ") + name);
}

void add_address(Nl& s, int index, int family, const void* addr, unsigned prefix, bool nodad) {
  nlmsghdr* h = s.start(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<uint8_t>(family);
  ifa->ifa_prefixlen = static_cast<uint8_t>(prefix);
  ifa->ifa_index = static_cast<unsigned>(index);
  ifa->ifa_flags = nodad ? IFA_F_NODAD : 0;
  size_t len = family == AF_INET ? 4 : 16;
  mnl_attr_put(h, IFA_LOCAL, len, addr);
  mnl_attr_put(h, IFA_ADDRESS, len, addr);
  s.call(h, "add address");
}

void add_default_route(Nl& s, const in_addr& gw) {
  nlmsghdr* h = s.start(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(h, RTA_GATEWAY, 4, &gw);
  s.call(h, "add default route");
}

int open_ns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open " + path);
  return fd;
}

void enter(int fd, const char* what) {
  if (::setns(fd, CLONE_NEWNET) != 0) die(std::string("setns ") + what);
}

void pin(const std::string& ns_path, const std::string& at) {
  int fd = ::open(at.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) die("create " + at);
  ::close(fd);
  if (::mount(ns_path.c_str(), at.c_str(), nullptr, MS_BIND, nullptr) != 0) die("pin at " + at);
}

void unpin(const std::string& at) {
  if (::umount2(at.c_str(), MNT_DETACH) != 0) die("unpin " + at);
  if (::unlink(at.c_str()) != 0) die("remove " + at);
}

struct Addresses {
  in_addr v4{};
  in6_addr v6{};
  in_addr gw{};
};

// Container i (fill) gets 10.88.x.y/16 and fd00:88::N/64 from its number; up's one more
// container gets 10.88.250.250 and fd00:88::fafa.
Addresses addresses_for(long i) {
  Addresses a;
  unsigned n = static_cast<unsigned>(i) + 2;
  std::string v4 = i < 0 ? "10.88.250.250" : "10.88." + std::to_string(n >> 8) + "." + std::to_string(n & 255);
  char v6[64];
  std::snprintf(v6, sizeof v6, "fd00:88::%x", i < 0 ? 0xfafau : n);
  if (inet_pton(AF_INET, v4.c_str(), &a.v4) != 1 || inet_pton(AF_INET6, v6, &a.v6) != 1 ||
      inet_pton(AF_INET, "10.88.0.1", &a.gw) != 1)
    die("address for container " + std::to_string(i), EINVAL);
  return a;
}

// The requests of a container's setup, once its namespace is open and pinned.
void configure(Nl& host, int host_ns, int ctr_ns, const char* host_end, const Addresses& a) {
  enter(ctr_ns, "container");
  Nl ctr;
  enter(host_ns, "host");
  link_up(ctr, "lo", 0);
  int br = get_link(host, "br0");
  create_veth(host, host_end, br, "eth0", ctr_ns);
  no_ipv6_link_local(host, host_end);
  int eth0 = get_link(ctr, "eth0");
  link_up(ctr, "eth0", eth0);
  add_address(ctr, eth0, AF_INET, &a.v4, 16, false);
  add_address(ctr, eth0, AF_INET6, &a.v6, 64, true);
  add_default_route(ctr, a.gw);
}

struct Args {
  std::string mode, dir, host_end = "mrfloor0", time_file;
  long pid = 0, from = 0, to = 0;
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) die("usage: floor up|down|fill|drain ...", EINVAL);
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pid") a.pid = std::stol(v);
    else if (k == "--dir") a.dir = v;
    else if (k == "--host-end") a.host_end = v;
    else if (k == "--time-file") a.time_file = v;
    else if (k == "--from") a.from = std::stol(v);
    else if (k == "--to") a.to = std::stol(v);
    else die("unknown option " + k, EINVAL);
  }
  if (a.dir.empty()) die("--dir is required", EINVAL);
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  double t0 = now_ms();
  Args a = parse(argc, argv);
  if (a.mode == "up") {
    std::string ns_path = "/proc/" + std::to_string(a.pid) + "/ns/net";
    int ctr_ns = open_ns(ns_path);
    int host_ns = open_ns("/proc/thread-self/ns/net");
    Nl host;
    pin(ns_path, a.dir + "/netns");
    configure(host, host_ns, ctr_ns, a.host_end.c_str(), addresses_for(-1));
  } else if (a.mode == "down") {
    Nl host;
    delete_link(host, a.host_end.c_str());
    unpin(a.dir + "/netns");
  } else if (a.mode == "fill") {
    int host_ns = open_ns("/proc/thread-self/ns/net");
    Nl host;
    for (long i = a.from; i < a.to; ++i) {
      if (::unshare(CLONE_NEWNET) != 0) die("unshare");
      std::string at = a.dir + "/ns-" + std::to_string(i);
      pin("/proc/thread-self/ns/net", at);
      int ctr_ns = open_ns(at);
      enter(host_ns, "host");
      std::string name = "fl-" + std::to_string(i);
      configure(host, host_ns, ctr_ns, name.c_str(), addresses_for(i));
      ::close(ctr_ns);
    }
  } else if (a.mode == "drain") {
    Nl host;
    for (long i = a.from; i < a.to; ++i) {
      delete_link(host, ("fl-" + std::to_string(i)).c_str());
      unpin(a.dir + "/ns-" + std::to_string(i));
    }
  } else {
    die("unknown mode " + a.mode, EINVAL);
  }
  if (!a.time_file.empty()) {
    FILE* f = std::fopen(a.time_file.c_str(), "a");
    if (!f) die("open " + a.time_file);
    std::fprintf(f, "%.4f\n", now_ms() - t0);
    std::fclose(f);
  }
  return 0;
}
