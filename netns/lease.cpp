#include "netns/lease.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <tuple>

#include "netns/journal.hpp"

namespace mr::netns {

namespace {

constexpr const char* kLeaseDir = "/run/mini-runc-leases";

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string key_name(const LeaseKey& k) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llx-%d", static_cast<unsigned long long>(k.netns_cookie), k.ifindex);
  return buf;
}

// One file per holder: the hash of its journal's path and its step.
std::string holder_name(const LeaseHolder& h) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016llx-%llu", static_cast<unsigned long long>(fnv1a64(h.journal)),
                static_cast<unsigned long long>(h.seq));
  return buf;
}

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno, "create " + path);
  return {};
}

Result<std::string> read_small(int dirfd, const char* name, const std::string& where) {
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail(errno, "open " + where);
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return fail(errno, "read " + where);
  return std::string(buf, static_cast<size_t>(n));
}

// Whether the holder's step still lends the device: its journal has it pending. A
// journal that is gone holds nothing; one that cannot be read is taken as holding.
bool live(const LeaseHolder& h) { return journal_step_pending(h.journal, h.seq); }

// The holders in the directory `dirfd`; stale ones are removed when `sweep` (the caller
// holds the directory's lock).
Result<std::vector<LeaseHolder>> read_holders(int dirfd, const std::string& dir, bool sweep) {
  std::vector<LeaseHolder> out;
  int copy = ::dup(dirfd);
  if (copy < 0) return fail(errno, "read " + dir);
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(copy), &::closedir);
  if (!d) {
    ::close(copy);
    return fail(errno, "read " + dir);
  }
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    auto text = read_small(dirfd, e->d_name, dir + "/" + name);
    if (!text) continue;  // released meanwhile
    auto h = decode_lease(*text);
    if (h && live(*h)) {
      out.push_back(std::move(*h));
    } else if (sweep) {
      ::unlinkat(dirfd, e->d_name, 0);
    }
  }
  // In one order, not readdir's (a hash order that differs from directory to directory),
  // so that a conflict names the same holder each time.
  std::sort(out.begin(), out.end(),
            [](const LeaseHolder& a, const LeaseHolder& b) { return std::tie(a.journal, a.seq) < std::tie(b.journal, b.seq); });
  return out;
}

// The key's directory, made if missing, open and locked; retried when a release
// removed it between our open and our lock.
Result<UniqueFd> lock_key_dir(const std::string& path) {
  for (;;) {
    MR_TRY(make_dir(path));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) continue;
      return fail(errno, "open " + path);
    }
    while (::flock(fd.get(), LOCK_EX) != 0)
      if (errno != EINTR) return fail(errno, "lock " + path);
    struct stat sb{};
    if (::fstat(fd.get(), &sb) != 0) return fail(errno, "stat " + path);
    if (sb.st_nlink > 0) return fd;
  }
}

Result<void> write_file(int dirfd, const std::string& name, const std::string& text, const std::string& where) {
  std::string tmp = name + ".tmp";
  UniqueFd fd(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return fail(errno, "create " + where);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    int err = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return fail(err, "write " + where);
  }
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return fail(err, "create " + where);
  }
  return {};
}

}  // namespace

std::string_view to_string(LeaseRole r) {
  switch (r) {
    case LeaseRole::moved: return "moved";
    case LeaseRole::veth_end: return "veth_end";
    case LeaseRole::parent: return "parent";
  }
  return "?";
}

Result<LeaseRole> parse_lease_role(std::string_view text) {
  for (auto r : {LeaseRole::moved, LeaseRole::veth_end, LeaseRole::parent})
    if (to_string(r) == text) return r;
  return fail(EINVAL, "bad lease role \"" + std::string(text) + "\"");
}

bool journal_step_pending(const std::string& journal_path, uint64_t seq) {
  auto journal = Journal::open(journal_path);
  if (!journal) return journal.error().err != ENOENT && journal.error().err != ENOTDIR;
  for (const auto& e : journal->entries())
    if (e.seq == seq) return !e.done;
  return false;
}

std::string default_lease_dir() {
  const char* dir = std::getenv("MR_LEASE_DIR");
  return dir && *dir ? dir : kLeaseDir;
}

bool excludes(LeaseRole held, LeaseRole wanted) { return !(held == LeaseRole::parent && wanted == LeaseRole::parent); }

Result<LeaseKey> lease_key(NlSocket& s, int ifindex) {
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (::getsockopt(s.fd(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0)
    return fail(errno, "find the cookie of " + s.where());
  return LeaseKey{cookie, ifindex};
}

std::string describe(const LeaseHolder& h) {
  auto slash = h.journal.rfind('/');
  std::string dir = slash == std::string::npos ? h.journal : h.journal.substr(0, slash);
  std::string as;
  switch (h.role) {
    case LeaseRole::moved: as = "lent to it"; break;
    case LeaseRole::veth_end: as = "the host end of its veth"; break;
    case LeaseRole::parent: as = "the parent of its macvlan"; break;
  }
  return "container \"" + h.id + "\" (" + dir + ") holds it: " + as;
}

std::string encode_lease(const LeaseHolder& h) {
  // One value per line; none of them may hold a line break (checked on decode).
  return "mr-lease 1\n" + h.journal + "\n" + std::to_string(h.seq) + "\n" + h.id + "\n" + h.device + "\n" +
         std::string(to_string(h.role)) + "\n";
}

Result<LeaseHolder> decode_lease(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return fail(EINVAL, "lease cut short");
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() != 6 || lines[0] != "mr-lease 1") return fail(EINVAL, "not a lease");
  LeaseHolder h;
  h.journal = lines[1];
  auto [end, ec] = std::from_chars(lines[2].data(), lines[2].data() + lines[2].size(), h.seq);
  if (ec != std::errc{} || end != lines[2].data() + lines[2].size() || h.seq == 0) return fail(EINVAL, "bad lease step");
  h.id = lines[3];
  h.device = lines[4];
  h.role = MR_TRY_VALUE(parse_lease_role(lines[5]));
  if (h.journal.empty() || h.journal.front() != '/') return fail(EINVAL, "bad lease journal");
  return h;
}

Result<void> Leases::claim(const LeaseKey& key, const LeaseHolder& h) {
  // A line break would split the lease's text, and a lease that does not read back holds
  // nothing: refused rather than written.
  for (const std::string* v : {&h.journal, &h.id, &h.device})
    if (v->find('\n') != std::string::npos) return fail(EINVAL, "lease of " + h.device + ": a value holds a line break");
  MR_TRY(make_dir(dir_));
  std::string path = dir_ + "/" + key_name(key);
  auto fd = MR_TRY_VALUE(lock_key_dir(path));
  auto holders = MR_TRY_VALUE(read_holders(fd.get(), path, true));
  auto same = [&](const LeaseHolder& other) { return other.journal == h.journal && other.seq == h.seq; };
  if (std::any_of(holders.begin(), holders.end(), same)) return {};  // a claim repeated
  for (const auto& other : holders) {
    if (excludes(other.role, h.role)) {
      Error e = sys_error(EBUSY, "host device " + (h.device.empty() ? other.device : h.device) + " is taken: " +
                                     describe(other));
      return std::unexpected(std::move(e));
    }
  }
  return write_file(fd.get(), holder_name(h), encode_lease(h), path + "/" + holder_name(h));
}

Result<void> Leases::release(const LeaseKey& key, const LeaseHolder& h) {
  std::string path = dir_ + "/" + key_name(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return {};
    return fail(errno, "open " + path);
  }
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail(errno, "lock " + path);
  // And the NAME.tmp of a claim killed before its rename (write_file()): it reads as
  // this holder's lease, and would keep the directory for ever.
  for (const std::string& name : {holder_name(h), holder_name(h) + ".tmp"})
    if (::unlinkat(fd.get(), name.c_str(), 0) != 0 && errno != ENOENT)
      return fail(errno, "remove lease " + path + "/" + name);
  // Under the lock, so that a claim waiting for it finds the directory gone and makes
  // it again (lock_key_dir()); one that has others' leases stays.
  if (::rmdir(path.c_str()) != 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
    return fail(errno, "remove " + path);
  return {};
}

Result<std::vector<LeaseHolder>> Leases::holders(const LeaseKey& key, const std::string& self) {
  std::string path = dir_ + "/" + key_name(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::vector<LeaseHolder>{};
    return fail(errno, "open " + path);
  }
  auto all = MR_TRY_VALUE(read_holders(fd.get(), path, false));
  std::erase_if(all, [&](const LeaseHolder& h) { return !self.empty() && h.journal == self; });
  return all;
}

Result<std::vector<LeaseHolder>> Leases::holders_of_name(uint64_t netns_cookie, const std::string& device) {
  std::string prefix = key_name(LeaseKey{netns_cookie, 0});
  prefix.resize(prefix.size() - 1);  // "<cookie>-"
  std::vector<LeaseHolder> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir_.c_str()), &::closedir);
  if (!d) {
    if (errno == ENOENT) return out;
    return fail(errno, "read " + dir_);
  }
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (!name.starts_with(prefix)) continue;
    std::string path = dir_ + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) continue;
    auto held = read_holders(fd.get(), path, false);
    if (!held) continue;
    for (auto& h : *held)
      if (h.device == device) out.push_back(std::move(h));
  }
  return out;
}

}  // namespace mr::netns
