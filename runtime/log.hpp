// Messages of the runtime: to stderr, and to --log FILE in runc's text or JSON line
// format ({"level":"error","msg":"...","time":"..."}) that engines read back on failure.
#pragma once

#include <string>
#include <string_view>

namespace mr::runtime {

enum class LogLevel { debug, info, warning, error };

struct LogOptions {
  std::string file;          // "" = stderr only
  bool json = false;
  bool debug = false;
};

void log_configure(const LogOptions& opts);
void log(LogLevel level, std::string_view msg);
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace mr::runtime
