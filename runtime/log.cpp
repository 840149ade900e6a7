#include "runtime/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"
#include "oci/error_json.hpp"
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

namespace {

// `record` is the JSON form of the message, for --log-format json.
void emit(LogLevel level, std::string_view msg, nlohmann::json record) {
  if (level == LogLevel::debug && !g_opts.debug) return;
  const bool to_stderr = level != LogLevel::debug || g_opts.file.empty();
  std::string line;
  if (g_opts.json) {
    record["time"] = now_rfc3339();
    // A message may quote the user's bytes (a file name, JSON that is not UTF-8), which
    // dump() would throw on: they become U+FFFD.
    line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (to_stderr) write_all(STDERR_FILENO, line);
  } else {
    if (to_stderr)
      write_all(STDERR_FILENO, "mini-runc: " + std::string(level_name(level)) + ": " + std::string(msg) + "\n");
    line = now_rfc3339() + " " + level_name(level) + " " + std::string(msg) + "\n";
  }
  if (g_opts.file.empty()) return;
  // Opened per message: the container's init logs too, from other processes, with
  // O_APPEND keeping whole lines together.
  UniqueFd fd(::open(g_opts.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd) write_all(fd.get(), line);
}

}  // namespace

void log(LogLevel level, std::string_view msg) {
  emit(level, msg, g_opts.json ? nlohmann::json{{"level", level_name(level)}, {"msg", msg}} : nlohmann::json());
}

void log(LogLevel level, const Error& e) {
  emit(level, e.message(), g_opts.json ? oci::error_to_json(e, level_name(level)) : nlohmann::json());
}

}  // namespace mr::runtime
