#include "oci/json_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <vector>

#include "netns/unique_fd.hpp"

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
  netns::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return std::unexpected(netns::sys_error(errno, "open " + path));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(netns::sys_error(errno, "stat " + path));
  if (!S_ISREG(st.st_mode))
    return std::unexpected(input_error(path, "", "expected a regular file (a FIFO, device or directory is not read)"));
  std::string text;
  // Sized from st_size plus a byte to see EOF, then grown, up to one byte past the limit:
  // the file may grow. Not the limit at once: zeroing 1 MiB per file costs more than
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
      return std::unexpected(netns::sys_error(errno, "read " + path));
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

namespace {

// Thrown from the parser callback, the only way to stop nlohmann's parser early.
struct TooDeep {};

// Where the parser is, as a stack of containers, to name duplicates and syntax errors
// by JSON pointer. Throws TooDeep when a container would nest past kMaxJsonDepth.
class PathTracker {
 public:
  // Remembers the first duplicate key seen.
  void on_event(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (frames_.size() == kMaxJsonDepth) throw TooDeep{};
        frames_.push_back({event == E::array_start});
        break;
      case E::key: {
        auto& top = frames_.back();
        top.key = parsed.get<std::string>();
        top.has_key = true;
        if (!top.keys.insert(top.key).second && duplicate_.empty()) {
          duplicate_ = pointer();
          duplicate_key_ = top.key;
        }
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        advance();
        break;
      case E::value: advance(); break;
    }
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
  const std::string& duplicate() const { return duplicate_; }
  const std::string& duplicate_key() const { return duplicate_key_; }

 private:
  struct Frame {
    bool array = false;
    size_t next_index = 0;
    bool has_key = false;
    std::string key;
    std::set<std::string> keys;
  };
  void advance() {
    if (frames_.empty()) return;
    auto& top = frames_.back();
    if (top.array)
      ++top.next_index;
    else
      top.has_key = false;
  }

  std::vector<Frame> frames_;
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
  PathTracker path;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(
        text.begin(), text.end(),
        [&path](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          path.on_event(event, parsed);
          return true;
        });
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(input_error(file, path.pointer(), "malformed JSON: " + strip_exception_tag(e.what())));
  } catch (const TooDeep&) {
    return std::unexpected(input_error(file, path.pointer(), "nested deeper than the limit of " +
                                                                 std::to_string(kMaxJsonDepth) + " levels"));
  }
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
