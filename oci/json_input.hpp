// Reading the user's JSON strictly: a size limit, a depth limit, valid UTF-8, no
// duplicate keys.
// nlohmann/json keeps the last of duplicate keys silently, which would let a config say
// two things at once; the parser callback here refuses them instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.hpp"

namespace mr::oci {


// The largest config.json, network spec or OCI state read (16 MiB): over twice what a
// network spec of 50,000 addresses and 50,000 routes takes as `net export` writes it.
// Bytes bound the strings a runaway file can hold; what checking a document costs grows
// with its number of values, which kMaxJsonValues bounds.
inline constexpr size_t kMaxInputBytes = size_t{16} << 20;

// The most values (objects, arrays, strings, numbers, booleans, nulls) one document may
// hold. Parsing and checking take time and memory per value, most of all for an invalid
// document (several schema errors for each bad value), so this, not the size, keeps a
// runaway file from exhausting memory. A network spec of 50,000 addresses and 50,000
// routes holds about 250,000.
inline constexpr size_t kMaxJsonValues = 400000;

// The deepest nesting of arrays and objects accepted. config.json and network specs
// nest fewer than 10 levels; nlohmann::json copies, compares and dumps values
// recursively, so 100,000 levels (200 KB, well within kMaxInputBytes) would overflow
// the stack in whatever touches the document after parsing.
inline constexpr size_t kMaxJsonDepth = 64;

// The whole file, or an error naming it (missing, unreadable, not a regular file, over
// kMaxInputBytes). A FIFO or device is refused without reading from it, so neither a
// writer that never comes nor an endless /dev/zero can hold the caller.
Result<std::string> read_input_file(const std::string& path);

// All that `fd` (a door's stdin) gives until its end, at most kMaxInputBytes; errors
// name `name` ("stdin") and `what` it holds ("the OCI state").
Result<std::string> read_input_stream(int fd, const std::string& name, const std::string& what);

// Parses `text` as one JSON document of at most kMaxJsonValues values, at most
// kMaxJsonDepth deep. Errors name `file` and, when the parser got that far, the JSON
// pointer of the value being read.
Result<nlohmann::json> parse_json(std::string_view text, const std::string& file);

// read_input_file + parse_json; errors name `path`.
Result<nlohmann::json> load_json_file(const std::string& path);

// RFC 6901: "a/b" under "/x" is "/x/a~1b".
std::string pointer_append(std::string_view base, std::string_view key);
std::string pointer_append(std::string_view base, size_t index);

// `text` with control characters written as \xNN, so that a key or value quoted in a
// message cannot break the message's one line.
std::string one_line(std::string_view text);

// The longest pointer or text an input error carries: a message that quotes a key or
// value of the user's (up to a megabyte) stays a readable line.
inline constexpr size_t kMaxMessagePart = 512;

// An input error in `file` at `pointer` (both made one line; the pointer and `what`
// cut to kMaxMessagePart bytes).
Error input_error(const std::string& file, std::string pointer, std::string what);

// A short rendering of a JSON value for messages: `"abc"`, `42`, `{...}`.
std::string brief(const nlohmann::json& value);

}  // namespace mr::oci
