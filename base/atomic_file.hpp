// A small file written whole or not at all: the text goes to PATH.tmp, which is then
// renamed over PATH, so a reader (or a writer killed half way) never sees part of it.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.hpp"

namespace mr {

Result<void> write_file_atomically(const std::string& path, const std::string& text, mode_t mode = 0600);

}  // namespace mr
