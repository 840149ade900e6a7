// A command line that does not parse (an unknown option, a value of the wrong type, a
// missing argument), told the way every other refusal of mini-runc and netns-hook is:
// exit status 1 and one line on stderr. CLI11's own App::exit() prints its message and a
// "Run with --help" line, and exits with a code per kind of error (105, 106, 109, ...).
#pragma once

#include <CLI/CLI.hpp>
#include <string_view>

namespace mr::cli {

// Writes `PROGRAM: error: WHAT` (WHAT on one line) to stderr; returns 1, the exit status.
// Not for CLI::Success (--help, --version), which App::exit() answers with exit status 0.
// Where a command was required and the word in its place is none, WHAT names the word
// and the commands there are (`net: unknown command "frobnicate"; one of: attach, ...`):
// CLI11 itself only says that a subcommand is required.
int report_parse_error(std::string_view program, const CLI::ParseError& e, const CLI::App& app);

}  // namespace mr::cli
