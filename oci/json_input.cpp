#include "oci/json_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <vector>

#include "base/unique_fd.hpp"

namespace mr::oci {

std::string pointer_append(std::string_view base, std::string_view key) {
  std::string out(base);
  out += '/';
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string pointer_append(std::string_view base, size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

std::string clipped(std::string text) {
  if (text.size() > kMaxMessagePart) {
    text.resize(kMaxMessagePart - 3);
    text += "...";
  }
  return text;
}

}  // namespace

Error input_error(const std::string& file, std::string pointer, std::string what) {
  Error e;
  e.file = one_line(file);
  e.pointer = clipped(one_line(pointer));
  e.context = clipped(one_line(what));
  return e;
}

std::string brief(const nlohmann::json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

Result<std::string> read_input_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading otherwise blocks until a writer opens it,
  // before fstat() could tell it is not a file (fifo(7)). Reads of a regular file
  // ignore the flag.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return std::unexpected(sys_error(errno, "open " + path));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(sys_error(errno, "stat " + path));
  if (!S_ISREG(st.st_mode))
    return std::unexpected(input_error(path, "", "expected a regular file (a FIFO, device or directory is not read)"));
  std::string text;
  // Sized from st_size plus a byte to see EOF, then grown, up to one byte past the limit:
  // the file may grow. Not the limit at once: zeroing that much per file costs more than
  // parsing a config.json.
  size_t want = std::min(static_cast<size_t>(st.st_size) + 1, kMaxInputBytes + 1);
  text.resize(want);
  size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > kMaxInputBytes) break;
      text.resize(std::min(text.size() * 2, kMaxInputBytes + 1));
    }
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(sys_error(errno, "read " + path));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxInputBytes)
    return std::unexpected(input_error(path, "", "file larger than the limit of " +
                                                     std::to_string(kMaxInputBytes) + " bytes"));
  text.resize(got);
  return text;
}

Result<std::string> read_input_stream(int fd, const std::string& name, const std::string& what) {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "read " + what + " from " + name);
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxInputBytes)
      return fail(EFBIG, name + ": " + what + " is larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
}

namespace {

// Builds the document from nlohmann's SAX events, and knows where the parser is, as a
// stack of containers, to name duplicates and syntax errors by JSON pointer. Not
// json::parse() with a callback: its parser looks through the whole enclosing array for a
// discarded value each time an object or array in it ends
// (json_sax_dom_callback_parser::end_object()), so an array of N routes took N^2/2 steps.
class StrictDomBuilder {
 public:
  using json = nlohmann::json;
  explicit StrictDomBuilder(json& root) : root_(root) {}

  bool null() { return place(nullptr); }
  bool boolean(bool v) { return place(v); }
  bool number_integer(json::number_integer_t v) { return place(v); }
  bool number_unsigned(json::number_unsigned_t v) { return place(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return place(v); }
  bool string(json::string_t& v) { return place(std::move(v)); }
  bool binary(json::binary_t& v) { return place(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return enter(false, json::object()); }
  bool start_array(std::size_t) { return enter(true, json::array()); }
  bool end_object() { return leave(); }
  bool end_array() { return leave(); }

  // Remembers the first duplicate key seen; the document keeps the last value.
  bool key(json::string_t& k) {
    auto& top = frames_.back();
    top.key = k;
    top.has_key = true;
    if (!top.keys.insert(k).second && duplicate_.empty()) {
      duplicate_ = pointer();
      duplicate_key_ = k;
    }
    element_ = &(*top.value)[k];
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    error_ = e.what();
    return false;
  }

  std::string pointer() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.array)
        out = pointer_append(out, f.next_index);
      else if (f.has_key)
        out = pointer_append(out, f.key);
    }
    return out;
  }
  bool too_deep() const { return too_deep_; }
  bool too_many() const { return too_many_; }
  const std::string& error() const { return error_; }
  const std::string& duplicate() const { return duplicate_; }
  const std::string& duplicate_key() const { return duplicate_key_; }

 private:
  struct Frame {
    bool array = false;
    json* value = nullptr;
    size_t next_index = 0;
    bool has_key = false;
    std::string key;
    std::set<std::string> keys;
  };

  // Puts `v` where the parser is: the root, the end of an array, or the last key's slot.
  template <class Value>
  json* put(Value&& v) {
    if (frames_.empty()) {
      root_ = json(std::forward<Value>(v));
      return &root_;
    }
    auto& top = frames_.back();
    if (top.array) {
      top.value->emplace_back(std::forward<Value>(v));
      return &top.value->back();
    }
    *element_ = json(std::forward<Value>(v));
    return element_;
  }

  template <class Value>
  bool place(Value&& v) {
    if (!count()) return false;
    put(std::forward<Value>(v));
    advance();
    return true;
  }

  // Refuses a container that would nest past kMaxJsonDepth (returning false stops the parser).
  bool enter(bool array, json empty) {
    if (frames_.size() == kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    if (!count()) return false;
    json* made = put(std::move(empty));
    frames_.push_back({.array = array, .value = made});
    return true;
  }

  bool count() {
    if (values_ == kMaxJsonValues) {
      too_many_ = true;
      return false;
    }
    ++values_;
    return true;
  }

  bool leave() {
    frames_.pop_back();
    advance();
    return true;
  }

  void advance() {
    if (frames_.empty()) return;
    auto& top = frames_.back();
    if (top.array)
      ++top.next_index;
    else
      top.has_key = false;
  }

  json& root_;
  json* element_ = nullptr;
  std::vector<Frame> frames_;
  bool too_deep_ = false;
  bool too_many_ = false;
  size_t values_ = 0;
  std::string error_;
  std::string duplicate_;
  std::string duplicate_key_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; the tag says
// nothing to a user.
std::string strip_exception_tag(std::string what) {
  if (!what.empty() && what[0] == '[') {
    if (auto end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
  }
  return what;
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, const std::string& file) {
  if (text.size() > kMaxInputBytes)
    return std::unexpected(input_error(file, "", "input larger than the limit of " +
                                                     std::to_string(kMaxInputBytes) + " bytes"));
  nlohmann::json doc;
  StrictDomBuilder path(doc);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &path);
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(input_error(file, path.pointer(), "malformed JSON: " + strip_exception_tag(e.what())));
  }
  if (path.too_deep())
    return std::unexpected(input_error(file, path.pointer(), "nested deeper than the limit of " +
                                                                 std::to_string(kMaxJsonDepth) + " levels"));
  if (path.too_many())
    return std::unexpected(input_error(file, path.pointer(), "more than the limit of " +
                                                                 std::to_string(kMaxJsonValues) + " values"));
  if (!parsed)
    return std::unexpected(input_error(file, path.pointer(), "malformed JSON: " + strip_exception_tag(path.error())));
  if (!path.duplicate().empty())
    return std::unexpected(
        input_error(file, path.duplicate(), "duplicate key \"" + path.duplicate_key() + "\""));
  return doc;
}

Result<nlohmann::json> load_json_file(const std::string& path) {
  auto text = MR_TRY_VALUE(read_input_file(path));
  return parse_json(text, path);
}

}  // namespace mr::oci
