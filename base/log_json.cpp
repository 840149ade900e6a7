#include "base/log_json.hpp"

#include <cstdio>
#include <cstring>

namespace mr {

namespace {

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one. `*valid`
// gets how many of its bytes were acceptable before the first that was not.
std::size_t utf8_sequence(std::string_view s, std::size_t* valid) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = b(0);
  *valid = 0;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead < 0x80) return *valid = 1;
  if (lead >= 0xC2 && lead <= 0xDF) len = 2;
  else if (lead == 0xE0) len = 3, lo = 0xA0;
  else if (lead >= 0xE1 && lead <= 0xEC) len = 3;
  else if (lead == 0xED) len = 3, hi = 0x9F;
  else if (lead >= 0xEE && lead <= 0xEF) len = 3;
  else if (lead == 0xF0) len = 4, lo = 0x90;
  else if (lead >= 0xF1 && lead <= 0xF3) len = 4;
  else if (lead == 0xF4) len = 4, hi = 0x8F;
  else return 0;
  *valid = 1;
  for (std::size_t i = 1; i < len; ++i) {
    if (i >= s.size()) return 0;
    unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
    if (b(i) < min || b(i) > max) return 0;
    ++*valid;
  }
  return len;
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t valid = 0;
    std::size_t len = utf8_sequence(text.substr(i), &valid);
    if (len == 0) {
      // One replacement for an invalid lead byte, or for the valid start of a sequence
      // cut short; the byte that cut it is read again as the start of the next.
      out += "\xEF\xBF\xBD";
      i += valid == 0 ? 1 : valid;
      continue;
    }
    if (len > 1) {
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i++]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out += '"';
}

JsonObject& JsonObject::set(std::string_view key, std::string_view value) {
  members_.insert_or_assign(std::string(key), json_quote(value));
  return *this;
}

JsonObject& JsonObject::set(std::string_view key, long long value) {
  members_.insert_or_assign(std::string(key), std::to_string(value));
  return *this;
}

std::string JsonObject::dump() const {
  std::string out = "{";
  for (const auto& [key, value] : members_) {
    if (out.size() > 1) out += ',';
    out += json_quote(key);
    out += ':';
    out += value;
  }
  return out += '}';
}

JsonObject error_json(const Error& e, std::string_view level) {
  JsonObject j;
  j.set("level", level).set("msg", e.message());
  if (!e.file.empty()) j.set("file", e.file);
  if (!e.pointer.empty()) j.set("pointer", e.pointer);
  if (!e.context.empty()) j.set("context", e.context);
  if (e.err != 0) j.set("errno", e.err).set("error", std::strerror(e.err));
  if (!e.kernel_msg.empty()) j.set("kernel", e.kernel_msg);
  return j;
}

}  // namespace mr
