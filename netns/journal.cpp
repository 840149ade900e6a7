#include "netns/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

namespace mr::netns {

namespace {

Result<std::string> read_file(const std::string& path, bool& exists) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  exists = static_cast<bool>(fd);
  if (!fd) {
    if (errno == ENOENT) return std::string();
    return fail(errno, "open journal " + path);
  }
  std::string data;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "read journal " + path);
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
  }
}

Result<void> write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "write journal " + path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// A new file's directory entry survives a crash only once the directory is synced.
Result<void> sync_parent(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return fail(errno, "sync directory " + dir);
  return {};
}

}  // namespace

Result<Journal> Journal::open(std::string path) {
  // Absolute: other processes find it again by this path in a lease (lease.hpp).
  if (!path.starts_with("/")) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    if (ec) return fail(ec.value(), "find journal " + path);
    path = abs.string();
  }
  Journal j(std::move(path));
  bool exists = false;
  auto data = MR_TRY_VALUE(read_file(j.path_, exists));
  size_t pos = 0;
  for (size_t number = 1;; ++number) {
    auto nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // no line, or a last line torn by a crash
    std::string_view line(data.data() + pos, nl - pos);
    auto where = "journal " + j.path_ + " line " + std::to_string(number);
    if (number == 1) {
      if (line != kJournalHeader) return fail(EINVAL, where + ": not an mr-runc journal");
    } else {
      auto decoded = decode_journal_line(line);
      if (!decoded) return std::unexpected(std::move(decoded).error().wrap(where));
      MR_TRY_CTX(j.apply_line(*decoded), where);
    }
    pos = nl + 1;
  }
  j.valid_size_ = pos;
  return j;
}

JournalEntry* Journal::find(uint64_t seq) {
  for (auto& e : entries_)
    if (e.seq == seq) return &e;
  return nullptr;
}

Result<void> Journal::apply_line(const JournalLine& line) {
  if (auto* rec = std::get_if<StepRecord>(&line)) {
    if (rec->seq < next_seq_) return fail(EINVAL, "step " + std::to_string(rec->seq) + " out of order");
    entries_.push_back({.seq = rec->seq, .step = rec->step});
    next_seq_ = rec->seq + 1;
    return {};
  }
  uint64_t seq = std::visit([](auto& l) { return l.seq; }, line);
  JournalEntry* e = find(seq);
  if (!e) return fail(EINVAL, "record for unknown step " + std::to_string(seq));
  if (auto* a = std::get_if<Arrived>(&line)) e->arrived_name = a->ctr_name;
  else if (auto* l = std::get_if<Leased>(&line)) e->lease = *l;
  else e->done = true;
  return {};
}

Result<void> Journal::open_for_append() {
  if (fd_) return {};
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) return fail(errno, "open journal " + path_ + " for writing");
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return fail(errno, "stat journal " + path_);
  // Cut a torn last line off, so that the next record starts a line of its own.
  if (static_cast<uint64_t>(st.st_size) > valid_size_ && ::ftruncate(fd.get(), static_cast<off_t>(valid_size_)) != 0)
    return fail(errno, "truncate journal " + path_);
  if (valid_size_ == 0) {
    std::string header = std::string(kJournalHeader) + "\n";
    MR_TRY(write_all(fd.get(), header, path_));
    MR_TRY(sync_parent(path_));
    valid_size_ = header.size();
  }
  fd_ = std::move(fd);
  return {};
}

Result<void> Journal::append(const JournalLine& line) {
  MR_TRY(open_for_append());
  auto text = encode_journal_line(line);
  MR_TRY(write_all(fd_.get(), text, path_));
  if (::fdatasync(fd_.get()) != 0) return fail(errno, "sync journal " + path_);
  valid_size_ += text.size();
  return apply_line(line);
}

Result<uint64_t> Journal::record(UndoStep step) {
  uint64_t seq = next_seq_;
  MR_TRY(append(StepRecord{seq, std::move(step)}));
  return seq;
}

Result<void> Journal::arrived(uint64_t seq, std::string ctr_name) {
  return append(Arrived{seq, std::move(ctr_name)});
}

Result<void> Journal::leased(Leased lease) { return append(std::move(lease)); }

Result<void> Journal::done(uint64_t seq) {
  if (JournalEntry* e = find(seq); e && e->done) return {};
  return append(Done{seq});
}

Result<void> release_lease(Leases& leases, const Journal& journal, uint64_t seq) {
  for (const auto& e : journal.entries()) {
    if (e.seq != seq || !e.lease) continue;
    const Leased& l = *e.lease;
    return leases.release({l.cookie, l.ifindex}, {.journal = journal.path(), .seq = seq});
  }
  return {};
}

std::vector<const JournalEntry*> Journal::pending() const {
  std::vector<const JournalEntry*> out;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (!it->done) out.push_back(&*it);
  return out;
}

}  // namespace mr::netns
