#include "netdef/network_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/dir_lock.hpp"
#include "base/rfc3339.hpp"
#include "base/unique_fd.hpp"
#include "netdef/host_prefixes.hpp"
#include "netdef/network_def_file.hpp"
#include "netdef/prefix_math.hpp"
#include "netdef/subnet_pool.hpp"

namespace mr::netdef {

namespace fs = std::filesystem;

namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Where a network came from, for messages: its file, or "built in".
std::string source_of(const NetworkDef& def) { return def.file.empty() ? "built in" : def.file; }

// The directory and its parents; the directory itself 0755 whatever the umask, since
// the lock refuses a directory others may write.
Result<void> make_dir(const std::string& dir) {
  std::error_code ec;
  fs::path parent = fs::path(dir).parent_path();
  if (!parent.empty() && !fs::create_directories(parent, ec) && ec) return fail(ec.value(), "create " + parent.string());
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return fail(errno, "create " + dir);
  return {};
}

Result<void> write_whole(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name + ".json";
  // Hidden: list() reads only NAME.json files, never one half written.
  const std::string tmp = dir + "/." + name + ".json.tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return fail(errno, "create " + tmp);
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return fail(err, "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(err, "replace " + path);
  }
  return {};
}

// The option of `network create` a rule's pointer is about.
std::string option_of(const std::string& pointer) {
  if (pointer.ends_with("/gateway")) return "--gateway";
  if (pointer.ends_with("/ipRange")) return "--ip-range";
  if (pointer.starts_with("/subnets")) return "--subnet";
  if (pointer == "/bridge") return "--bridge";
  if (pointer == "/mtu") return "--mtu";
  if (pointer.starts_with("/labels")) return "--label";
  return pointer.substr(1);  // name, id, driver
}

// The gateway or ip range goes with the given subnet of its family.
Result<Subnet*> subnet_of_family(std::vector<Subnet>& subnets, int family, const std::string& what) {
  for (auto& s : subnets)
    if (s.subnet.family() == family) return &s;
  return fail(0, what + ": no " + (family == AF_INET ? "IPv4" : "IPv6") + " subnet given (--subnet) for it");
}

Result<std::vector<Subnet>> requested_subnets(const CreateRequest& req) {
  std::vector<Subnet> out;
  for (const auto& p : req.subnets) out.push_back({p, first_host(p.network()), std::nullopt});
  if (req.gateway) {
    Subnet* s = MR_TRY_VALUE(subnet_of_family(out, req.gateway->family, "--gateway " + req.gateway->to_string()));
    s->gateway = *req.gateway;
  }
  if (req.ip_range) {
    Subnet* s = MR_TRY_VALUE(subnet_of_family(out, req.ip_range->family(), "--ip-range " + req.ip_range->to_string()));
    s->ip_range = *req.ip_range;
  }
  return out;
}

bool has_family(const std::vector<Subnet>& subnets, int family) {
  return std::any_of(subnets.begin(), subnets.end(), [family](const Subnet& s) { return s.subnet.family() == family; });
}

// Picks what the request leaves to the pools: an IPv4 /24 when no subnet is given, an
// IPv6 /64 for --ipv6 without an IPv6 subnet.
Result<void> pick_subnets(const CreateRequest& req, const std::vector<NetworkDef>& others, netns::NlSocket& host,
                          std::vector<Subnet>& subnets) {
  const bool want_v4 = req.subnets.empty();
  const bool want_v6 = req.ipv6 && !has_family(subnets, AF_INET6);
  if (!want_v4 && !want_v6) return {};
  std::vector<netns::IpPrefix> taken = MR_TRY_VALUE(host_prefixes(host));
  for (const auto& o : others)
    for (const auto& s : o.subnets) taken.push_back(s.subnet);
  if (want_v4) {
    auto p = pick_free_ipv4(taken);
    if (!p)
      return fail(0, "no free IPv4 subnet in the pool " + std::string(kIpv4PoolText) +
                         ": every /24 overlaps another network, a route or an address of the host (give one with --subnet)");
    subnets.insert(subnets.begin(), {*p, first_host(*p), std::nullopt});
  }
  if (want_v6) {
    auto p = MR_TRY_VALUE(pick_free_ipv6(taken));
    if (!p)
      return fail(0, "no free IPv6 subnet in the pool " + std::string(kIpv6PoolText) + ": " +
                         std::to_string(kIpv6Draws) +
                         " random /64s each overlap another network, a route or an address of the host "
                         "(give one with --subnet)");
    subnets.push_back({*p, first_host(*p), std::nullopt});
  }
  return {};
}

// Another network that shares an address with `def`, or a bridge.
Result<void> check_against(const NetworkDef& def, const std::vector<NetworkDef>& others) {
  for (const auto& o : others) {
    for (const auto& mine : def.subnets)
      for (const auto& theirs : o.subnets)
        if (overlaps(mine.subnet, theirs.subnet))
          return fail(0, "subnet " + mine.subnet.to_string() + " overlaps network " + in_quotes(o.name) + "'s " +
                             theirs.subnet.to_string() + " (" + source_of(o) + ")");
    if (o.bridge == def.bridge)
      return fail(0, "bridge " + def.bridge + " is network " + in_quotes(o.name) + "'s (" + source_of(o) + ")");
  }
  return {};
}

Result<NetworkDef> new_definition(const CreateRequest& req, const std::vector<NetworkDef>& others,
                                  netns::NlSocket& host) {
  NetworkDef def;
  def.name = req.name;
  def.id = MR_TRY_VALUE(random_id());
  def.bridge = req.bridge.value_or(default_bridge_name(def.id));
  def.bridge_given = req.bridge.has_value();
  def.subnets = MR_TRY_VALUE(requested_subnets(req));
  def.internal = req.internal;
  def.dns = req.dns;
  def.mtu = req.mtu;
  def.labels = req.labels;
  def.created = now_rfc3339();
  // The user's subnets are checked before the pools are searched around them; how many
  // there are, after.
  auto problems = check_network_rules(def);
  std::erase_if(problems, [](const Problem& p) { return p.pointer == "/subnets"; });
  if (problems.empty()) {
    MR_TRY(pick_subnets(req, others, host, def.subnets));
    problems = check_network_rules(def);
  }
  if (!problems.empty()) return fail(0, option_of(problems.front().pointer) + ": " + problems.front().what);
  MR_TRY(check_against(def, others));
  return def;
}

}  // namespace

std::string default_network_dir() { return std::string(kDefaultNetworkDir); }

std::string NetworkStore::path_of(std::string_view name) const { return dir_ + "/" + std::string(name) + ".json"; }

Result<NetworkDef> NetworkStore::get(const std::string& name) const {
  MR_TRY(check_network_name(name));
  auto def = read_network_file(path_of(name));
  if (!def && def.error().err == ENOENT) {
    if (name == kDefaultNetworkName) return builtin_default_network();
    return fail(0, "no network " + in_quotes(name) + " (no " + path_of(name) + ")");
  }
  return def;
}

Result<std::vector<NetworkDef>> NetworkStore::list() const {
  std::vector<NetworkDef> out;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return fail(ec.value(), "list " + dir_);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.starts_with(".") || !file.ends_with(".json")) continue;
    out.push_back(MR_TRY_VALUE(read_network_file(it->path().string())));
  }
  if (ec) return fail(ec.value(), "list " + dir_);
  if (std::none_of(out.begin(), out.end(), [](const NetworkDef& d) { return d.name == kDefaultNetworkName; }))
    out.push_back(builtin_default_network());
  std::sort(out.begin(), out.end(), [](const NetworkDef& a, const NetworkDef& b) { return a.name < b.name; });
  return out;
}

Result<NetworkDef> NetworkStore::create(const CreateRequest& req, netns::NlSocket& host) {
  MR_TRY(check_network_name(req.name));
  MR_TRY(make_dir(dir_));
  // One create at a time: the name and the subnets are checked against what the
  // directory holds, and two creates could each pick the same free /24.
  auto lock = MR_TRY_VALUE(lock_directory(dir_));
  auto others = MR_TRY_VALUE(list());
  for (const auto& o : others)
    if (o.name == req.name) return fail(0, "network " + in_quotes(req.name) + " exists already (" + source_of(o) + ")");
  NetworkDef def = MR_TRY_VALUE(new_definition(req, others, host));
  MR_TRY(write_whole(dir_, def.name, render_network_def(def)));
  def.file = path_of(def.name);
  return def;
}

Result<void> NetworkStore::remove(const std::string& name) {
  MR_TRY(check_network_name(name));
  if (name == kDefaultNetworkName) return fail(0, "the network \"default\" cannot be removed");
  auto lock = lock_directory(dir_);
  if (!lock && lock.error().err == ENOENT) return fail(0, "no network " + in_quotes(name));
  if (!lock) return std::unexpected(std::move(lock).error());
  const std::string path = path_of(name);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return fail(0, "no network " + in_quotes(name) + " (no " + path + ")");
    return fail(errno, "remove " + path);
  }
  return {};
}

}  // namespace mr::netdef
