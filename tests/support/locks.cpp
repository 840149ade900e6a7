#include "support/locks.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace mr::test {

namespace {

struct LockLine {
  bool blocked = false;
  pid_t pid = 0;
  FileId file;
};

// "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF", a waiter "1: -> FLOCK ..." (see
// proc_locks_show() and lock_get_status() in fs/locks.c).
std::vector<LockLine> flocks() {
  std::ifstream in("/proc/locks");
  if (!in) FAIL("cannot read /proc/locks");  // not REQUIRE: this runs in a loop
  std::vector<LockLine> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string ordinal, type, advisory, mode, device;
    LockLine l;
    f >> ordinal >> type;
    if (type == "->") {
      l.blocked = true;
      f >> type;
    }
    f >> advisory >> mode >> l.pid >> device;
    if (type != "FLOCK" || !f) continue;
    unsigned long long ino = 0;
    if (std::sscanf(device.c_str(), "%x:%x:%llu", &l.file.major, &l.file.minor, &ino) != 3) continue;
    l.file.ino = static_cast<ino_t>(ino);
    out.push_back(l);
  }
  return out;
}

}  // namespace

UniqueFd hold_directory_lock(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE_MESSAGE(fd, "open " << dir);
  REQUIRE(::flock(fd.get(), LOCK_EX) == 0);
  return fd;
}

FileId file_id(const std::string& path) {
  struct stat sb{};
  REQUIRE_MESSAGE(::stat(path.c_str(), &sb) == 0, "stat " << path);
  return {::major(sb.st_dev), ::minor(sb.st_dev), sb.st_ino};
}

std::optional<pid_t> flock_holder(const FileId& file) {
  for (const auto& l : flocks())
    if (l.file == file && !l.blocked) return l.pid;
  return std::nullopt;
}

void wait_for_flock_waiters(const FileId& file, int count, int timeout_seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    int blocked = 0;
    for (const auto& l : flocks()) blocked += l.file == file && l.blocked;
    if (blocked >= count) return;
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("fewer than " << count << " processes blocked on the lock of inode " << file.ino);
    ::sched_yield();
  }
}

}  // namespace mr::test
