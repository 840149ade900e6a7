// Reading the small files and directories that state is kept in (a lease, a pool's
// address, an attachment's name): whole, without following a symlink at the last
// component, and with "not there" as a value rather than an error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace mr {

// The first 4 KiB of `path`; none when it does not exist.
Result<std::optional<std::string>> read_small_file(const std::string& path);

// The names in directory `path` but "." and "..", sorted (readdir's order differs from
// directory to directory); ENOENT when it does not exist.
Result<std::vector<std::string>> list_directory(const std::string& path);

}  // namespace mr
