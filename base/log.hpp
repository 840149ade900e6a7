// The one logger of every front door (mini-runc, netns-hook), with runc's --log,
// --log-format and --debug. Text: "PROGRAM: LEVEL: MESSAGE" on stderr, and
// "TIME LEVEL MESSAGE" lines in the --log file. JSON: one object a line
// ({"level":"error","msg":"...","time":"..."}, base/log_json.hpp) on stderr and in the file,
// which engines read back on failure; an Error logged as such keeps its parts there
// ("file", "pointer", "errno", ...). Debug lines are written only with --debug, and then
// to the file alone when there is one.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr {

enum class LogLevel { debug, info, warning, error };

struct LogOptions {
  std::string program;  // what text lines on stderr start with: "mini-runc"
  std::string file;     // "" = stderr only
  bool json = false;
  bool debug = false;
};

void log_configure(LogOptions opts);
// Whether debug lines are written: for callers that would build them at a cost.
bool log_debug_enabled();

void log(LogLevel level, std::string_view msg);
void log(LogLevel level, const Error& e);
inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warning, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }
inline void log_debug(const Error& e) { log(LogLevel::debug, e); }
inline void log_warn(const Error& e) { log(LogLevel::warning, e); }
inline void log_error(const Error& e) { log(LogLevel::error, e); }

}  // namespace mr
