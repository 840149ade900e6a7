#include "support/recovery_host.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/apply_helpers.hpp"
#include "support/firewall_host.hpp"
#include "support/hostile_docs.hpp"
#include "netns/address.hpp"
#include "base/fault.hpp"
#include "netns/route.hpp"

namespace mr::test {

namespace fs = std::filesystem;

RecoveryFixture::RecoveryFixture() {
  auto nic0 = sb.veth("nic0", "wire0");
  MUST(netns::add_address(sb.host().nl, nic0.index, prefix("192.0.2.10/24")));
  netns::Route via_nic0;
  via_nic0.destination = prefix("198.51.100.0/24");
  via_nic0.gateway = ip("192.0.2.1");
  via_nic0.oif = nic0.index;
  MUST(netns::add_route(sb.host().nl, via_nic0));
  sb.veth("nic2", "wire2");
  auto br0 = sb.bridge("br0");
  // A bridge takes its ports' lowest MAC unless one is set (br_stp_recalculate_bridge_id()).
  MUST(netns::set_link_mac(sb.host().nl, br0.index, mac("02:00:00:00:b0:00")));
}

void RecoveryFixture::write_full_spec() {
  std::ofstream(b.dir + "/network.json") << R"({
  "version": 1,
  "devices": [
    {"name": "eth0", "move": "nic0", "addresses": ["10.1.0.2/24", "fd00:1::2/64"], "mtu": 1450},
    {"name": "mv0", "macvlan": {"parent": "nic2", "mode": "bridge"}, "addresses": ["10.3.0.2/24"]},
    {"name": "eth1", "veth": {"bridge": "br0", "hostAddresses": ["10.4.0.1/24"]},
     "addresses": ["10.4.0.2/24", "fd00:4::2/64"]}
  ],
  "routes": [
    {"to": "default", "via": "10.1.0.1"},
    {"to": "10.9.0.0/16", "device": "mv0"},
    {"to": "::/0", "via": "fd00:4::1", "device": "eth1"}
  ],
  "sysctl": {"net.ipv4.ip_forward": "1"}
})";
}

std::string RecoveryFixture::picture() {
  std::string out = host_state(sb.host());
  if (picture_ruleset) out += "ruleset " + ruleset_of(sb.host()) + "\n";
  for (const auto& m : mounts_under(tmp.path(), kept_mounts)) out += "mount " + m + "\n";
  for (const auto& c : root_cgroups.present()) out += "cgroup " + c + "\n";
  return out;
}

std::string RecoveryFixture::settled_picture(const std::string& expected) {
  return settled(sb.host(), expected, [&] { return picture(); });
}

bool RecoveryFixture::has_state(const std::string& id) { return fs::exists(runc.root() + "/" + id); }

std::string RecoveryFixture::refused(const Outcome& o, const std::string& before, const std::string& id,
                                     size_t lines_expected) {
  INFO("stderr: " << o.err);
  CHECK(o.status == 1);
  auto lines = lines_of(o.err);
  CHECK(lines.size() == lines_expected);
  CHECK(o.err.starts_with("mini-runc: error: "));
  CHECK_MESSAGE(o.max_rss_kib < max_refusal_rss_kib(), "peak RSS " << o.max_rss_kib << " KiB");
  CHECK(picture() == before);
  CHECK_FALSE(has_state(id));
  return lines.empty() ? "" : lines[0];
}

std::vector<std::string> mounts_under(const std::string& prefix, const std::vector<std::string>& kept) {
  std::ifstream in("/proc/self/mountinfo");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point.starts_with(prefix + "/") && std::find(kept.begin(), kept.end(), mount_point) == kept.end())
      out.push_back(mount_point);
  }
  return out;
}

void require_fault_injection() {
  if (!FaultInjector::enabled()) FAIL("built without MR_FAULT_INJECTION: configure with -DMR_FAULT_INJECTION=ON");
}

int each_step(const std::function<bool(int)>& at_step) {
  constexpr int kMaxSteps = 64;  // far more than any spec of these tests has
  for (int n = 1; n <= kMaxSteps; ++n) {
    CAPTURE(n);
    if (!at_step(n)) return n - 1;
  }
  FAIL("still failing after " << kMaxSteps << " steps");
  return kMaxSteps;
}

PausedRun pause_at_step(RuntimeCli& runc, const std::vector<std::string>& args, int step, const char* pause_env,
                        const std::string& stdin_data) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd paused(p[0]), pause_end(p[1]);
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd resume_end(p[0]);
  PausedRun run;
  run.resume = UniqueFd(p[1]);
  run.err = UniqueFd(::memfd_create("stderr", MFD_CLOEXEC));
  REQUIRE(run.err);
  UniqueFd out;
  {
    ScopedEnv at(pause_env, std::to_string(step));
    ScopedEnv fd("MR_PAUSE_FD", "3");  // the harness places `fds` at 3, 4, ...
    ScopedEnv resume("MR_RESUME_FD", "4");
    run.pid = runc.spawn(args, out, {pause_end.get(), resume_end.get()}, stdin_data, run.err.get());
  }
  pause_end.reset();
  resume_end.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, run.pid, 0)));
  REQUIRE(pidfd);
  // Either the byte of the pause or the end of the process, whichever comes first.
  pollfd fds[2] = {{.fd = paused.get(), .events = POLLIN}, {.fd = pidfd.get(), .events = POLLIN}};
  for (;;) {
    REQUIRE(::poll(fds, 2, -1) > 0);
    char byte = 0;
    if ((fds[0].revents & POLLIN) && ::read(paused.get(), &byte, 1) == 1) {
      run.paused = true;
      return run;
    }
    if (fds[1].revents & POLLIN) {
      run.status = wait_status(run.pid);
      return run;
    }
    fds[0].fd = -1;  // hung up without a byte: the writers are gone, wait for the exit
  }
}

void kill_paused(const PausedRun& run) {
  REQUIRE(run.paused);
  REQUIRE(::kill(run.pid, SIGKILL) == 0);
  CHECK(wait_status(run.pid) == 128 + SIGKILL);
}

Outcome resume_paused(PausedRun& run) {
  REQUIRE(run.paused);
  REQUIRE(::write(run.resume.get(), "R", 1) == 1);
  run.resume.reset();
  Outcome o;
  o.status = wait_status(run.pid);
  ::lseek(run.err.get(), 0, SEEK_SET);
  o.err = read_all(run.err.get());
  return o;
}

std::optional<int> crash_at_step(RuntimeCli& runc, const std::vector<std::string>& args, int step) {
  auto run = pause_at_step(runc, args, step);
  if (!run.paused) return run.status;
  kill_paused(run);
  return std::nullopt;
}

std::vector<std::string> holders_of_netns(ino_t inode) {
  std::string target = "net:[" + std::to_string(inode) + "]";
  std::vector<std::string> out;
  for (const auto& proc : fs::directory_iterator("/proc")) {
    std::string pid = proc.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    // A process may exit while it is being looked at: what it held is gone with it.
    for (auto fd = fs::directory_iterator(proc.path() / "fd", ec); !ec && fd != fs::directory_iterator();
         fd.increment(ec)) {
      std::error_code link_ec;
      auto link = fs::read_symlink(fd->path(), link_ec);
      if (!link_ec && link == target) out.push_back(pid + " fd " + fd->path().filename().string());
    }
    auto ns = fs::read_symlink(proc.path() / "ns" / "net", ec);
    if (!ec && ns == target) out.push_back(pid + " ns");
  }
  return out;
}

uint64_t netns_cookie(const netns::Netns& ns) {
  return MUST(netns::run_in(ns, []() -> Result<uint64_t> {
    UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return fail(errno, "socket");
    uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0)
      return fail(errno, "getsockopt SO_NETNS_COOKIE");
    return cookie;
  }));
}

std::vector<std::string> holders_of_netns(ino_t inode, uint64_t cookie) {
  std::vector<std::string> out;
  for (const auto& holder : holders_of_netns(inode)) {
    std::istringstream words(holder);
    std::string pid, kind, fd;
    words >> pid >> kind >> fd;
    // Open what the holder holds; gone meanwhile (it exited) means it holds nothing.
    auto held = netns::Netns::open_path("/proc/" + pid + (kind == "fd" ? "/fd/" + fd : "/ns/net"));
    if (held && netns_cookie(*held) == cookie) out.push_back(holder);
  }
  return out;
}

}  // namespace mr::test
