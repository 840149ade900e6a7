// Messages of the runtime: to stderr, and to --log FILE in runc's text or JSON line
// format ({"level":"error","msg":"...","time":"..."}) that engines read back on failure.
// With --log-format json, stderr carries the same JSON objects, one a line; an Error
// logged as such keeps its parts there (oci::error_to_json(): "file", "pointer", ...).
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr::runtime {

enum class LogLevel { debug, info, warning, error };

struct LogOptions {
  std::string file;          // "" = stderr only
  bool json = false;
  bool debug = false;
};

void log_configure(const LogOptions& opts);
void log(LogLevel level, std::string_view msg);
void log(LogLevel level, const Error& e);
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }
inline void log_debug(const Error& e) { log(LogLevel::debug, e); }
inline void log_warn(const Error& e) { log(LogLevel::warning, e); }
inline void log_error(const Error& e) { log(LogLevel::error, e); }

}  // namespace mr::runtime
