#include "base/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "base/log_json.hpp"
#include "base/rfc3339.hpp"
#include "base/unique_fd.hpp"

namespace mr {

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

// `e`, when given, is what `msg` says, kept in its parts for --log-format json.
void emit(LogLevel level, std::string_view msg, const Error* e) {
  if (level == LogLevel::debug && !g_opts.debug) return;
  const bool to_stderr = level != LogLevel::debug || g_opts.file.empty();
  std::string line;
  if (g_opts.json) {
    JsonObject record = e ? error_json(*e, level_name(level)) : JsonObject().set("level", level_name(level)).set("msg", msg);
    line = record.set("time", now_rfc3339()).dump() + "\n";
    if (to_stderr) write_all(STDERR_FILENO, line);
  } else {
    if (to_stderr)
      write_all(STDERR_FILENO, g_opts.program + ": " + level_name(level) + ": " + std::string(msg) + "\n");
    line = now_rfc3339() + " " + level_name(level) + " " + std::string(msg) + "\n";
  }
  if (g_opts.file.empty()) return;
  // Opened per message: the container's init logs too, from other processes, with
  // O_APPEND keeping whole lines together.
  UniqueFd fd(::open(g_opts.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd) write_all(fd.get(), line);
}

}  // namespace

void log_configure(LogOptions opts) { g_opts = std::move(opts); }

bool log_debug_enabled() { return g_opts.debug; }

void log(LogLevel level, std::string_view msg) { emit(level, msg, nullptr); }

void log(LogLevel level, const Error& e) { emit(level, e.message(), &e); }

}  // namespace mr
