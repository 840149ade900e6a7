#include "cli/cli_error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include "oci/json_input.hpp"

namespace mr::cli {

namespace {

// The command the line went deepest into (`net` in `mini-runc net frobnicate`).
const CLI::App& named_command(const CLI::App& app) {
  const CLI::App* at = &app;
  for (auto parsed = at->get_subcommands(); !parsed.empty(); parsed = at->get_subcommands()) at = parsed.front();
  return *at;
}

// `unknown command "W"; one of: a, b` when a command was required where the word W is;
// empty otherwise.
std::string unknown_command(const CLI::ParseError& e, const CLI::App& app) {
  if (e.get_name() != "RequiredError") return {};
  const CLI::App& at = named_command(app);
  const auto leftover = at.remaining();
  const auto commands = at.get_subcommands([](const CLI::App*) { return true; });
  if (leftover.empty() || commands.empty()) return {};
  std::string what;
  if (&at != &app) what = at.get_name() + ": ";
  what += "unknown command \"" + oci::one_line(std::string_view(leftover.front())) + "\"; one of:";
  for (size_t i = 0; i < commands.size(); ++i) what += (i ? ", " : " ") + commands[i]->get_name();
  return what;
}

// CLI11 writes sentences ("The following argument was not expected: --bogus"), some over
// two lines; error text here is one lower-case line. The arguments it quotes keep no
// control character of their own (json_input.hpp's one_line()).
std::string one_sentence(std::string what) {
  std::replace(what.begin(), what.end(), '\n', ' ');
  what = oci::one_line(std::string_view(what));
  while (!what.empty() && what.back() == ' ') what.pop_back();
  if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  return what;
}

}  // namespace

int report_parse_error(std::string_view program, const CLI::ParseError& e, const CLI::App& app) {
  std::string what = unknown_command(e, app);
  if (what.empty()) what = one_sentence(e.what());
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(program.size()), program.data(), what.c_str());
  return 1;
}

}  // namespace mr::cli
