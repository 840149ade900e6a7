#include "runtime/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "netns/unique_fd.hpp"
#include "runtime/state.hpp"

namespace mr::runtime {

namespace {

LogOptions g_opts;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void log_configure(const LogOptions& opts) { g_opts = opts; }

void log(LogLevel level, std::string_view msg) {
  if (level == LogLevel::debug && !g_opts.debug) return;
  if (level != LogLevel::debug || g_opts.file.empty())
    write_all(STDERR_FILENO, "mini-runc: " + std::string(level_name(level)) + ": " + std::string(msg) + "\n");
  if (g_opts.file.empty()) return;
  std::string line;
  if (g_opts.json) {
    nlohmann::json j = {{"level", level_name(level)}, {"msg", msg}, {"time", now_rfc3339()}};
    // A message may quote the user's bytes (a file name, JSON that is not UTF-8), which
    // dump() would throw on: they become U+FFFD.
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    line = now_rfc3339() + " " + level_name(level) + " " + std::string(msg) + "\n";
  }
  // Opened per message: the container's init logs too, from other processes, with
  // O_APPEND keeping whole lines together.
  netns::UniqueFd fd(::open(g_opts.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd) write_all(fd.get(), line);
}

}  // namespace mr::runtime
