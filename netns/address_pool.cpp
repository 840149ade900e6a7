#include "netns/address_pool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <tuple>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/atomic_file.hpp"
#include "base/small_file.hpp"
#include "netns/lease.hpp"

namespace mr::netns {

namespace {

constexpr const char* kPoolRoot = "/run/mini-runc-ipam";
constexpr std::string_view kHolderHeader = "mr-address 1";
// How many candidates pick() looks at before it calls a pool full: all of a /24 or a
// /16, a bounded walk of an IPv6 /64 (which, at one file per container, never fills).
constexpr uint64_t kMaxCandidates = 1u << 16;

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno, "create " + path);
  return {};
}

Result<void> remove_if_there(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + path);
  return {};
}

std::string family_name(int family) { return family == AF_INET ? "4" : "6"; }

bool is_broadcast(const PoolSubnet& s, const IpAddress& a) {
  return a.family == AF_INET && s.subnet.length < 31 && a == last_address(s.subnet);
}

bool is_network(const PoolSubnet& s, const IpAddress& a) {
  return a == s.subnet.network().address && s.subnet.length < s.subnet.max_length() - 1;
}

}  // namespace

IpAddress address_plus(const IpAddress& a, uint64_t n) {
  IpAddress out = a;
  for (size_t i = out.size(); i-- > 0 && n != 0;) {
    uint64_t sum = out.bytes[i] + (n & 0xff);
    out.bytes[i] = static_cast<uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
  return out;
}

IpAddress last_address(const IpPrefix& p) {
  IpAddress out = p.network().address;
  for (size_t bit = p.length; bit < out.size() * 8; ++bit) out.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  return out;
}

std::string default_pool_root() {
  const char* dir = std::getenv("MR_POOL_DIR");
  return dir && *dir ? dir : kPoolRoot;
}

Result<std::string> pool_dir_of(NlSocket& host, const std::string& network_id) {
  auto cookie = MR_TRY_VALUE(lease_key(host, 0)).netns_cookie;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx-", static_cast<unsigned long long>(cookie));
  return default_pool_root() + "/" + buf + network_id.substr(0, 16);
}

Result<std::vector<std::string>> pool_dirs_of_host(NlSocket& host) {
  std::string prefix = MR_TRY_VALUE(pool_dir_of(host, ""));
  auto slash = prefix.rfind('/');
  std::string root = prefix.substr(0, slash), mine = prefix.substr(slash + 1);
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(root.c_str()), &::closedir);
  if (!d) {
    if (errno == ENOENT) return out;
    return fail(errno, "read " + root);
  }
  while (dirent* e = ::readdir(d.get()))
    if (std::string_view(e->d_name).starts_with(mine) && e->d_type == DT_DIR) out.push_back(root + "/" + e->d_name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string encode_address_holder(const AddressHolder& h) {
  std::string names;
  for (const auto& n : h.names) names += (names.empty() ? "" : ",") + n;
  return std::string(kHolderHeader) + "\n" + h.journal + "\n" + std::to_string(h.seq) + "\n" + h.id + "\n" + names +
         "\n";
}

Result<AddressHolder> decode_address_holder(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return fail(EINVAL, "an address holder without its final newline");
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() != 5 || lines[0] != kHolderHeader) return fail(EINVAL, "not an address holder");
  AddressHolder h{.journal = std::string(lines[1]), .id = std::string(lines[3])};
  for (std::string_view names = lines[4]; !names.empty();) {
    auto comma = names.find(',');
    h.names.emplace_back(names.substr(0, comma));
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
  }
  auto [end, ec] = std::from_chars(lines[2].data(), lines[2].data() + lines[2].size(), h.seq);
  if (ec != std::errc() || end != lines[2].data() + lines[2].size() || h.seq == 0 || !h.journal.starts_with('/'))
    return fail(EINVAL, "a damaged address holder");
  return h;
}

Result<AddressPool> AddressPool::lock(const std::string& dir) {
  auto slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) MR_TRY(make_dir(dir.substr(0, slash)));
  MR_TRY(make_dir(dir));
  auto pool = MR_TRY_VALUE(lock_existing(dir));
  if (!pool) return fail(ENOENT, "open " + dir);
  return std::move(*pool);
}

Result<std::optional<AddressPool>> AddressPool::lock_existing(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::optional<AddressPool>();
    return fail(errno, "open " + dir);
  }
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail(errno, "lock " + dir);
  return std::optional<AddressPool>(AddressPool(dir, std::move(fd)));
}

Result<std::optional<AddressHolder>> AddressPool::holder(const IpAddress& a) {
  auto text = MR_TRY_VALUE(read_small_file(dir_ + "/" + a.to_string()));
  if (!text) return std::optional<AddressHolder>();
  auto h = decode_address_holder(*text);
  // A damaged file holds nothing: it was being written when its writer died (rename()
  // makes a whole file appear at once, so this is a file put there by hand).
  if (!h || !journal_step_pending(h->journal, h->seq)) return std::optional<AddressHolder>();
  return std::optional<AddressHolder>(std::move(*h));
}

Result<bool> AddressPool::free_here(const IpAddress& a) { return !MR_TRY_VALUE(holder(a)); }

Result<void> AddressPool::check_request(const PoolSubnet& s, const IpAddress& a, const std::string& network) {
  if (!s.subnet.contains(a))
    return fail(EINVAL, "address " + a.to_string() + " is not in network " + network + "'s subnet " + s.subnet.to_string());
  if (is_network(s, a) || is_broadcast(s, a))
    return fail(EINVAL, "address " + a.to_string() + " is the " + (is_network(s, a) ? "network" : "broadcast") +
                            " address of network " + network + "'s subnet " + s.subnet.to_string());
  if (a == s.gateway) return fail(EADDRINUSE, "address " + a.to_string() + " is network " + network + "'s gateway");
  if (auto h = MR_TRY_VALUE(holder(a)))
    return fail(EADDRINUSE, "address " + a.to_string() + " on network " + network + " is taken by container \"" + h->id + "\"");
  return {};
}

Result<IpAddress> AddressPool::pick(const PoolSubnet& s, const std::string& network) {
  const IpPrefix range = s.range ? s.range->network() : s.subnet.network();
  const IpAddress first = range.address;
  const IpAddress last = last_address(range);
  // The walk starts after the last address handed out, if it is in the range.
  IpAddress at = first;
  if (auto text = MR_TRY_VALUE(read_small_file(dir_ + "/last-" + family_name(first.family)))) {
    auto before = IpAddress::parse(*text);
    if (before && before->family == first.family && range.contains(*before)) at = address_plus(*before, 1);
  }
  const unsigned host_bits = range.max_length() - range.length;
  const uint64_t candidates = host_bits < 16 ? uint64_t{1} << host_bits : kMaxCandidates;
  for (uint64_t tried = 0; tried < candidates; ++tried, at = address_plus(at, 1)) {
    if (!range.contains(at) || at > last) at = first;
    if (is_network(s, at) || is_broadcast(s, at) || at == s.gateway || !s.subnet.contains(at)) continue;
    if (MR_TRY_VALUE(free_here(at))) return at;
  }
  return fail(ENOSPC, "network " + network + " has no free address in " + range.to_string());
}

Result<void> AddressPool::hold(const IpAddress& a, const AddressHolder& h) {
  MR_TRY(write_file_atomically(dir_ + "/" + a.to_string(), encode_address_holder(h)));
  return write_file_atomically(dir_ + "/last-" + family_name(a.family), a.to_string());
}

Result<void> AddressPool::release(const std::vector<IpAddress>& addresses, const AddressHolder& h) {
  for (const auto& a : addresses) {
    std::string path = dir_ + "/" + a.to_string();
    auto text = MR_TRY_VALUE(read_small_file(path));
    if (!text) continue;
    auto held = decode_address_holder(*text);
    if (held && held->journal == h.journal && held->seq == h.seq) MR_TRY(remove_if_there(path));
  }
  return {};
}

Result<bool> AddressPool::has_members_besides(const AddressHolder& self) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), &::closedir);
  if (!d) return fail(errno, "read " + dir_);
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name.starts_with("last-") || name == "bridge" || name.ends_with(".tmp")) continue;
    auto text = MR_TRY_VALUE(read_small_file(dir_ + "/" + name));
    if (!text) continue;
    auto h = decode_address_holder(*text);
    if (!h || (h->journal == self.journal && h->seq == self.seq)) continue;
    if (journal_step_pending(h->journal, h->seq)) return true;
    // A stale holder's file goes here, under the lock, so that the directory does not
    // grow with every container that ever joined.
    MR_TRY(remove_if_there(dir_ + "/" + name));
  }
  return false;
}

Result<std::vector<PoolMember>> AddressPool::members() {
  std::vector<PoolMember> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), &::closedir);
  if (!d) return fail(errno, "read " + dir_);
  while (dirent* e = ::readdir(d.get())) {
    auto address = IpAddress::parse(e->d_name);
    if (!address) continue;  // ".", "last-4", "bridge", a temporary file
    auto h = MR_TRY_VALUE(holder(*address));
    if (!h) continue;
    auto same = std::find_if(out.begin(), out.end(), [&](const PoolMember& m) {
      return m.holder.journal == h->journal && m.holder.seq == h->seq;
    });
    if (same == out.end()) same = out.insert(out.end(), PoolMember{std::move(*h), {}});
    same->addresses.push_back(*address);
  }
  for (auto& m : out) std::sort(m.addresses.begin(), m.addresses.end());
  std::sort(out.begin(), out.end(), [](const PoolMember& a, const PoolMember& b) {
    return std::tie(a.holder.journal, a.holder.seq) < std::tie(b.holder.journal, b.holder.seq);
  });
  return out;
}

Result<std::optional<int>> AddressPool::made_bridge() {
  auto text = MR_TRY_VALUE(read_small_file(dir_ + "/bridge"));
  if (!text) return std::optional<int>();
  int index = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), index);
  if (ec != std::errc() || index <= 0) return std::optional<int>();
  return std::optional<int>(index);
}

Result<void> AddressPool::set_made_bridge(std::optional<int> index) {
  if (!index) return remove_if_there(dir_ + "/bridge");
  return write_file_atomically(dir_ + "/bridge", std::to_string(*index));
}

}  // namespace mr::netns
