#include "network/dns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/atomic_file.hpp"
#include "base/unique_fd.hpp"
#include "netns/address_pool.hpp"
#include "netns/lease.hpp"

namespace mr::network {

namespace {

constexpr const char* kDnsRoot = "/run/mini-runc-dns";
constexpr const char* kAardvark = "/usr/lib/podman/aardvark-dns";
constexpr const char* kPidFile = "aardvark.pid";

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return fail(errno, "create " + path);
  return {};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// The file aardvark-dns reads for one network: its listening addresses, then per
// container "ID IPV4S IPV6S NAMES" (an empty list is an empty field).
std::string network_file(const DnsNetwork& net, const std::vector<netns::PoolMember>& members) {
  std::vector<std::string> gateways;
  for (const auto& g : net.gateways) gateways.push_back(g.to_string());
  std::string out = joined(gateways) + "\n";
  for (const auto& m : members) {
    if (m.holder.names.empty()) continue;
    std::vector<std::string> v4, v6;
    for (const auto& a : m.addresses) (a.family == AF_INET ? v4 : v6).push_back(a.to_string());
    out += m.holder.id + " " + joined(v4) + " " + joined(v6) + " " + joined(m.holder.names) + "\n";
  }
  return out;
}

// The server's pid, if one runs for `dir` (its pid file names a live aardvark-dns).
std::optional<pid_t> running_server(const std::string& dir) {
  std::ifstream in(dir + "/" + kPidFile);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!std::getline(comm, name) || name != "aardvark-dns") return std::nullopt;
  return pid;
}

// Whether any network file is left in `dir`.
Result<bool> has_networks(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return fail(errno, "read " + dir);
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name == kPidFile || name == "lock" || name.ends_with(".tmp")) continue;
    return true;
  }
  return false;
}

// Starts the server for `dir` in the caller's network namespace. aardvark-dns forks
// itself into the background once it listens, writes its pid file, and its first
// process exits: waiting for that exit is waiting for the server to be ready.
Result<void> start_server(const std::string& dir) {
  std::string binary = aardvark_binary();
  std::vector<std::string> args = {binary, "--config", dir, "-p", "53", "run"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  // It prints that it cannot reach syslog, which is no news to our callers.
  ::posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  // Its own session: a server outlives the runtime that started it, and the signals
  // of the runtime's terminal are not its business.
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, binary.c_str(), &fa, &attr, argv.data(), envp);
  ::posix_spawn_file_actions_destroy(&fa);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) return fail(rc, "start " + binary);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fail(errno, "wait for " + binary);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(EIO, binary + " --config " + dir + " did not start (" +
                         (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "killed by signal " + std::to_string(WTERMSIG(status))) +
                         ")");
  if (!running_server(dir)) return fail(EIO, binary + " --config " + dir + " exited without leaving a server");
  return {};
}

// Stops the server and waits for its exit, so that its addresses are free to bind again.
Result<void> stop_server(pid_t pid) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    if (errno == ESRCH) return {};
    return fail(errno, "open aardvark-dns " + std::to_string(pid));
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) != 0 && errno != ESRCH)
    return fail(errno, "stop aardvark-dns " + std::to_string(pid));
  pollfd p{.fd = pidfd.get(), .events = POLLIN};
  // A pidfd polls readable once its process has exited; one that does not exit in 5 s
  // is killed.
  int rc;
  while ((rc = ::poll(&p, 1, 5000)) < 0 && errno == EINTR) {
  }
  if (rc == 0) {
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
  }
  return {};
}

}  // namespace

std::string default_dns_root() {
  const char* dir = std::getenv("MR_DNS_DIR");
  return dir && *dir ? dir : kDnsRoot;
}

std::string aardvark_binary() {
  const char* path = std::getenv("MR_AARDVARK_DNS");
  return path && *path ? path : kAardvark;
}

Result<std::string> dns_dir_of(netns::NlSocket& host) {
  auto cookie = MR_TRY_VALUE(netns::lease_key(host, 0)).netns_cookie;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(cookie));
  return default_dns_root() + "/" + buf;
}

Result<void> refresh_dns(netns::NlSocket& host, const DnsNetwork& net) {
  std::string dir = MR_TRY_VALUE(dns_dir_of(host));
  MR_TRY(make_dir(default_dns_root()));
  MR_TRY(make_dir(dir));
  // One writer at a time per directory: two containers joining at once must not both
  // start a server, nor one stop it while the other adds a network.
  UniqueFd lock(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!lock) return fail(errno, "open " + dir);
  while (::flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail(errno, "lock " + dir);

  std::vector<netns::PoolMember> members;
  {
    auto pool = MR_TRY_VALUE(netns::AddressPool::lock(net.pool_dir));
    members = MR_TRY_VALUE(pool.members());
  }
  std::string file = dir + "/" + net.name;
  DnsNetwork known = net;
  if (known.gateways.empty()) {
    // A leave knows the network's pool, not its gateways: those of its file, if it has one.
    std::ifstream in(file);
    std::string first;
    if (!std::getline(in, first)) return {};
    for (std::string_view rest = first; !rest.empty();) {
      auto comma = rest.find(',');
      if (auto a = netns::IpAddress::parse(rest.substr(0, comma))) known.gateways.push_back(*a);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  bool named = false;
  for (const auto& m : members) named = named || !m.holder.names.empty();
  if (named) {
    MR_TRY(write_file_atomically(file, network_file(known, members), 0644));
  } else if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
    return fail(errno, "remove " + file);
  }

  auto server = running_server(dir);
  if (!MR_TRY_VALUE(has_networks(dir))) {
    if (server) MR_TRY(stop_server(*server));
    if (::unlink((dir + "/" + kPidFile).c_str()) != 0 && errno != ENOENT) return fail(errno, "remove its pid file");
    return {};
  }
  if (!server) return start_server(dir);
  // aardvark-dns 1.4 reads its files again by closing every listening socket and binding
  // it again (aardvark-dns issue #389, fixed in 1.11): a query that arrives meanwhile is
  // lost, which a resolver's retry covers.
  if (::kill(*server, SIGHUP) != 0) return fail(errno, "tell aardvark-dns to read its files again");
  return {};
}

std::string resolv_conf_for(const std::vector<netns::IpAddress>& gateways, const std::string& host_resolv_conf) {
  std::string out;
  for (const auto& g : gateways) out += "nameserver " + g.to_string() + "\n";
  std::istringstream in(host_resolv_conf);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("search ") || line.starts_with("options ")) out += line + "\n";
  return out;
}

}  // namespace mr::network
