// The objects of `--log-format json`, one a line: {"level": "...", "msg": "...", "time": "..."},
// and for an Error its parts too. Written without a JSON library, so that base/ needs
// none; the bytes are what nlohmann::json::dump() writes (members in key order, no
// spaces, non-ASCII as is), which engines and the tests read back with any parser.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace mr {

// `text` as a JSON string, quotes included. A message may quote the user's bytes (a
// file name, JSON that is not UTF-8), which JSON cannot carry: each invalid sequence
// becomes U+FFFD, as nlohmann's error_handler_t::replace does.
std::string json_quote(std::string_view text);

class JsonObject {
 public:
  JsonObject& set(std::string_view key, std::string_view value);
  JsonObject& set(std::string_view key, long long value);
  // One line, no newline.
  std::string dump() const;

 private:
  std::map<std::string, std::string, std::less<>> members_;  // key -> its value, encoded
};

// {"level": LEVEL, "msg": e.message(), "file": ..., "pointer": ..., "context": ...,
//  "errno": 17, "error": "File exists", "kernel": ...}; members that are empty or zero
// are left out, "level" and "msg" are always there.
JsonObject error_json(const Error& e, std::string_view level);

}  // namespace mr
